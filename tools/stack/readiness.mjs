// Polling the gateway until the stack answers: health first, then the model list.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function getJson(url, headers) {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

/**
 * Resolves with the model ids once GET /health/ready is 200 and GET /v1/models
 * lists `model` (the worker registered and the gateway sees it).
 */
export async function waitForGateway(baseUrl, adminKey, model, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const health = await getJson(`${baseUrl}/health/ready`);
      if (health.status !== 200) {
        last = `/health/ready answered ${health.status}`;
      } else {
        const models = await getJson(`${baseUrl}/v1/models`, { authorization: `Bearer ${adminKey}` });
        const ids = models.status === 200 ? (models.body?.data ?? []).map((m) => m.id) : [];
        if (ids.includes(model)) return ids;
        last = models.status === 200 ? `/v1/models does not list ${model} yet (has ${ids.join(', ') || 'none'})` : `/v1/models answered ${models.status}`;
      }
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await sleep(100);
  }
  throw new Error(`the gateway at ${baseUrl} was not ready within ${timeoutMs / 1000} s (${last})`);
}
