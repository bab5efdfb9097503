// The legacy binary imatrix (".dat") written by older llama-imatrix builds:
//   int32 n_entries
//   n_entries x { int32 name_len; name bytes; int32 ncall; int32 nval; float32[nval] }
//   optional trailer: int32 chunk_count; int32 dataset_len; dataset bytes
// All little-endian.

import { QuantError } from './errors';
import { Imatrix, imatrixWeights } from './imatrix-weights';

export function parseLegacyImatrix(bytes: Uint8Array, path = '<memory>'): Imatrix {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const fail = (what: string): never => {
    throw new QuantError('QUANT_IMATRIX_FORMAT', `${path}: ${what} (at byte ${pos}); it is neither a GGUF nor a legacy imatrix file`);
  };
  const i32 = (what: string): number => {
    if (pos + 4 > buf.length) fail(`file ends inside ${what}`);
    const v = buf.readInt32LE(pos);
    pos += 4;
    return v;
  };

  const nEntries = i32('the entry count');
  if (nEntries < 1) fail(`entry count ${nEntries} is not positive`);
  const weights = new Map<string, Float32Array>();
  for (let e = 0; e < nEntries; e++) {
    const len = i32('a name length');
    if (len < 0 || pos + len > buf.length) fail(`entry ${e} has a bad name length ${len}`);
    const raw = buf.subarray(pos, pos + len);
    pos += len;
    const nul = raw.indexOf(0);
    const name = raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8');
    const ncall = i32('a call count');
    const nval = i32('a value count');
    if (nval < 1 || pos + nval * 4 > buf.length) fail(`entry ${name} has a bad value count ${nval}`);
    const sums = new Float32Array(nval);
    for (let i = 0; i < nval; i++) sums[i] = buf.readFloatLE(pos + 4 * i);
    pos += nval * 4;
    weights.set(name, imatrixWeights(name, { sums, counts: [ncall] }, true));
  }

  // The trailer is optional and read leniently, like the reference.
  let chunkCount = 0;
  const datasets: string[] = [];
  if (pos + 4 <= buf.length) {
    chunkCount = buf.readInt32LE(pos);
    pos += 4;
    if (pos + 4 <= buf.length) {
      const len = buf.readInt32LE(pos);
      pos += 4;
      if (len > 0 && pos + len <= buf.length) datasets.push(buf.subarray(pos, pos + len).toString('utf8'));
    }
  }
  return { path, format: 'legacy', weights, datasets, chunkCount };
}
