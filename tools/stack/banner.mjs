// What `npm start` prints once the stack serves: where it is, what it serves,
// and the exact commands to get a team key and chat with the model.

/** Machine-readable twin of the banner, one line, for scripts and tests (holds no key). */
export const STACK_READY_MARKER = 'TESSERA_STACK_READY ';

function shellQuote(text) {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The banner's lines for a started stack (see stack.mjs ReadyStack) and its config. */
export function bannerLines(stack, config) {
  const json = (body) => `-H 'content-type: application/json' -d ${shellQuote(JSON.stringify(body))}`;
  const asAdmin = `-H "Authorization: Bearer $TESSERA_ADMIN_KEY"`;
  const chat = { model: stack.model, messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 16 };
  return [
    '',
    `Tessera is serving on ${stack.url}  (API docs: ${stack.url}/docs, metrics: ${stack.url}/metrics)`,
    `  models     ${stack.models.join(', ')}${config.modelPath ? '' : `  (synthesized demo model, random weights: preset ${config.demoPreset})`}`,
    `  worker     gRPC ${stack.workerAddress}`,
    `  quantizer  model store ${stack.storeDir}, import directory ${stack.importDir}`,
    `  redis      ${stack.redisUrl}${stack.ownRedis ? '  (started for this run, no persistence)' : ''}`,
    config.adminKeyGenerated
      ? `  admin key  generated for this run (set TESSERA_ADMIN_KEY to choose it):\n\n  export TESSERA_ADMIN_KEY=${config.adminKey}`
      : '  admin key  $TESSERA_ADMIN_KEY',
    '',
    'Create a team, then a key for it (the reply holds the key; it is shown only there):',
    `  curl -s ${stack.url}/v1/admin/teams ${asAdmin} ${json({ name: 'demo' })}`,
    `  curl -s ${stack.url}/v1/admin/keys ${asAdmin} ${json({ team: 'demo', name: 'laptop' })}`,
    '',
    'Chat (with the team key, or the admin key as here):',
    `  curl -s ${stack.url}/v1/chat/completions ${asAdmin} ${json(chat)}`,
    '',
    'Quantize a Hugging Face directory or GGUF copied into the import directory:',
    `  curl -s ${stack.url}/v1/quantizations ${asAdmin} ${json({ source: 'file:MODEL_DIR', presets: ['Q4_K_M', 'Q8_0'] })}`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
}

/** `TESSERA_STACK_READY {...}`: URL, models and every child's PID. */
export function readyLine(stack) {
  const { url, model, models, workerAddress, redisUrl, pids } = stack;
  return STACK_READY_MARKER + JSON.stringify({ url, model, models, workerAddress, redisUrl, pids, pid: process.pid });
}
