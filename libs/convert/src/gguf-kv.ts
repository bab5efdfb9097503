// An ordered list of GGUF key/values with the exact on-disk types llama.cpp
// checks (u32 counts, f32 epsilons, i32 token types, ...). Kept independent of
// the writer so plans can be built, inspected and tested without I/O.

export type KvValue =
  | { kind: 'u32'; value: number }
  | { kind: 'i32'; value: number }
  | { kind: 'f32'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'string[]'; value: string[] }
  | { kind: 'f32[]'; value: number[] }
  | { kind: 'i32[]'; value: number[] };

export class KvList {
  private readonly map = new Map<string, KvValue>();

  /** Setting an existing key moves it to the end, like ggml's writer. */
  set(key: string, v: KvValue): this {
    this.map.delete(key);
    this.map.set(key, v);
    return this;
  }

  u32(key: string, value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`${key}: ${value} is not a u32`);
    return this.set(key, { kind: 'u32', value });
  }
  f32(key: string, value: number): this {
    return this.set(key, { kind: 'f32', value });
  }
  bool(key: string, value: boolean): this {
    return this.set(key, { kind: 'bool', value });
  }
  string(key: string, value: string): this {
    return this.set(key, { kind: 'string', value });
  }
  strings(key: string, value: string[]): this {
    return this.set(key, { kind: 'string[]', value });
  }
  f32s(key: string, value: number[]): this {
    return this.set(key, { kind: 'f32[]', value });
  }
  i32s(key: string, value: number[]): this {
    return this.set(key, { kind: 'i32[]', value });
  }

  get(key: string): KvValue | undefined {
    return this.map.get(key);
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  entries(): [string, KvValue][] {
    return [...this.map.entries()];
  }
}
