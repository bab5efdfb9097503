// Preloaded into the stack's gateway (node --require) by run.mjs --cpu-prof:
// node refuses --cpu-prof in NODE_OPTIONS, so this records the same V8 CPU
// profile through the inspector and writes it when the process exits.
// Only the gateway is profiled: the other children skip it.
const { Session } = require('node:inspector');
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.TESSERA_BENCH_CPU_PROF_DIR;
if (dir && /gateway[\\/]dist[\\/]main\.js$/.test(process.argv[1] ?? '')) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  let written = false;
  // The in-process session answers synchronously, so this works from 'exit'.
  const write = () => {
    if (written) return;
    written = true;
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `gateway-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  process.on('exit', write);
  // The stack stops the gateway with SIGTERM, and Nest's shutdown hooks end it by
  // re-raising the signal (no 'exit' event): write first, then step aside.
  process.once('SIGTERM', write);
}
