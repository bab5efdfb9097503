// One measured quantization in a fresh process, so peak RSS belongs to this run alone.
// usage: node one.cjs IN.gguf OUT.gguf PRESET THREADS  -> prints one JSON line
'use strict';
const { quantizeFile } = require('@tessera/quant');
const { cpuFeatures } = require('@tessera/native');

async function main() {
  const [input, output, preset, threads] = process.argv.slice(2);
  cpuFeatures(); // loads the addon, so the baseline is node plus our code, before any model data
  const baselineRssKb = process.resourceUsage().maxRSS;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = await quantizeFile(input, output, preset, { threads: Number(threads) });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0); // all threads of this process: a busy shared machine stretches wall time, not this
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const largestTensorBytes = Math.max(...result.tensors.map((t) => t.bytesIn));
  process.stdout.write(
    JSON.stringify({ seconds, cpuSeconds, sizeIn: result.sizeIn, sizeOut: result.sizeOut, baselineRssKb, peakRssKb: process.resourceUsage().maxRSS, largestTensorBytes }) + '\n',
  );
}
main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
