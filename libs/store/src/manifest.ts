// A manifest names a blob: which team owns it, under which model name and tag,
// what it is (format, quantization preset), where it came from (parent digest,
// source) and what we measured about it. Small JSON, one file per tag.

export const MANIFEST_SCHEMA = 1;

export interface ModelManifest {
  readonly schema: typeof MANIFEST_SCHEMA;
  readonly team: string;
  readonly name: string;
  readonly tag: string;
  /** The blob holding the model, `sha256:<hex>`. */
  readonly digest: string;
  readonly format: 'gguf';
  /** Quantization preset ("Q4_K_M"), or the float type of an unquantized model ("F16"). */
  readonly preset?: string;
  /** Digest of the model this one was made from. */
  readonly parent?: string;
  /** Where the bytes came from (`file:…`, `hf://…`, `upload`), for the record. */
  readonly source?: string;
  readonly size: number;
  readonly createdAt: string;
  /** Measurements such as bits per weight, KL divergence, tokens/s. */
  readonly metrics?: Readonly<Record<string, number>>;
}

export type NewManifest = Omit<ModelManifest, 'schema' | 'createdAt' | 'size'> & { readonly size?: number };
