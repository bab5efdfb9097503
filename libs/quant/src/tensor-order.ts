// The order llama-quantize writes tensors in: its loader keeps weights in a map
// keyed by name with a comparator that groups by layer. Matching that order is
// part of producing byte-identical files, and it also drives the per-layer
// counters of the mix rules.

const LAYER_PREFIX = /^blk\.([+-]?\d+)/;

/** The layer number of a `blk.N.` tensor name, or -1 for tensors outside the blocks. */
export function layerOfTensorName(name: string): number {
  const m = LAYER_PREFIX.exec(name);
  return m ? Number.parseInt(m[1], 10) : -1;
}

/** Order by layer (-1 first), then by the names' UTF-8 bytes. */
export function compareTensorNames(a: string, b: string): number {
  const la = layerOfTensorName(a);
  const lb = layerOfTensorName(b);
  if (la !== lb) return la - lb;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A sorted copy of `items` by their `name`, in llama-quantize's order. */
export function sortByTensorName<T extends { readonly name: string }>(items: readonly T[]): T[] {
  return [...items].sort((x, y) => compareTensorNames(x.name, y.name));
}
