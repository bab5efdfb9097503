// The gateway side: a streamed chat completion timed to its first SSE event
// (the gateway sends nothing before the first token) and to [DONE]; and a
// closed-loop load of many concurrent keep-alive clients on one GET route.
import { Agent, request } from 'node:http';
import { msSince } from './stats.mjs';

function send(agent, url, { method = 'GET', headers = {}, body } = {}, onData) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      res.on('data', (chunk) => onData?.(chunk));
      res.on('end', () => resolve(res.statusCode));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One keep-alive connection to the gateway; `chat(messages, maxTokens)` resolves with { ttftMs, totalMs }. */
export function gatewayChatClient(baseUrl, apiKey, model) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  return {
    async chat(messages, maxTokens) {
      const body = JSON.stringify({ model, messages, max_tokens: maxTokens, temperature: 0, stream: true });
      const start = process.hrtime.bigint();
      let ttftMs;
      let text = '';
      const status = await send(agent, `${baseUrl}/v1/chat/completions`, { method: 'POST', headers, body }, (chunk) => {
        if (ttftMs === undefined) ttftMs = msSince(start);
        text += chunk;
      });
      const totalMs = msSince(start);
      if (status !== 200 || !text.includes('data: [DONE]') || text.includes('"error"')) throw new Error(`chat answered ${status}: ${text.slice(0, 300)}`);
      return { ttftMs, totalMs };
    },
    close: () => agent.destroy(),
  };
}

/**
 * `clients` loops, each sending GET `path` back to back on its own keep-alive
 * connection for `seconds`; returns { requests, errors, rps, latency samples }.
 */
export async function loadGet(baseUrl, path, apiKey, clients, seconds) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const headers = { authorization: `Bearer ${apiKey}` };
  const latencies = [];
  let errors = 0;
  const start = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < deadline) {
        const t0 = process.hrtime.bigint();
        try {
          const status = await send(agent, `${baseUrl}${path}`, { headers });
          if (status === 200) latencies.push(msSince(t0));
          else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsedS = msSince(start) / 1000;
  agent.destroy();
  return { requests: latencies.length, errors, seconds: elapsedS, rps: latencies.length / elapsedS, latencies };
}
