import { readGGUF } from '@tessera/gguf';
import { typeTraits } from '@tessera/gguf';
import type { Command } from '../command';
import { parseCommandArgs, positionals } from '../args';
import { formatBytes, table } from '../format';

const usage = 'tessera inspect FILE.gguf [--json] [--full]';
/** Arrays longer than this are summarised unless --full (a vocabulary has 10^5 entries). */
const ARRAY_PREVIEW = 8;

function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && 'value' in (value as object)) return plain((value as { value: unknown }).value);
  return value;
}

function preview(value: unknown, full: boolean): unknown {
  const v = plain(value);
  if (!full && Array.isArray(v) && v.length > ARRAY_PREVIEW) {
    return { length: v.length, head: v.slice(0, ARRAY_PREVIEW) };
  }
  return v;
}

function oneLine(value: unknown): string {
  const v = preview(value, false);
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return s.length > 100 ? s.slice(0, 97) + '...' : s;
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'print a GGUF file\'s metadata and tensor table',
  usage,
  async run(argv, ctx) {
    const { values, positionals: pos } = parseCommandArgs(
      argv,
      { json: { type: 'boolean', default: false }, full: { type: 'boolean', default: false } },
      usage,
    );
    const [path] = positionals(pos, 1, usage);
    const file = await readGGUF(path);
    const tensors = file.tensors.map((t) => ({
      name: t.name,
      type: typeTraits(t.type).name,
      dims: t.dims.map(Number),
      offset: Number(t.offset),
      bytes: Number(t.nBytes),
    }));
    const params = tensors.reduce((n, t) => n + t.dims.reduce((a, b) => a * b, 1), 0);
    const tensorBytes = tensors.reduce((n, t) => n + t.bytes, 0);
    if (values.json) {
      const metadata = Object.fromEntries(file.kv.list().map((e) => [e.key, preview(e.value, values.full as boolean)]));
      const out = { path, version: file.version, alignment: file.alignment, dataOffset: Number(file.dataOffset), parameters: params, tensorBytes, metadata, tensors };
      ctx.stdout.write(JSON.stringify(out, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 2) + '\n');
      return;
    }
    const lines = [
      `${path}: GGUF v${file.version}, ${file.kv.size} keys, ${tensors.length} tensors, ` +
        `${(params / 1e6).toFixed(2)} M parameters, ${formatBytes(tensorBytes)} of tensor data ` +
        `(${((tensorBytes * 8) / Math.max(1, params)).toFixed(2)} bits per weight)`,
      '',
      table([['key', 'value'], ...file.kv.list().map((e) => [e.key, oneLine(e.value)])]),
      '',
      table([['tensor', 'type', 'shape', 'bytes'], ...tensors.map((t) => [t.name, t.type, t.dims.join(' x '), String(t.bytes)])]),
    ];
    ctx.stdout.write(lines.join('\n') + '\n');
  },
};
