// GPT-2's reversible byte <-> printable-unicode mapping used by byte-level BPE:
// printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100 +
// n in byte order. Token strings in the vocabulary are written in this form.

function buildTable(): string[] {
  const table: string[] = new Array(256);
  const direct = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let n = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCharCode(direct(b) ? b : 256 + n++);
  return table;
}

/** BYTE_TO_UNICODE[b] is the one-character string standing for byte b. */
export const BYTE_TO_UNICODE: readonly string[] = buildTable();

export const UNICODE_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_UNICODE.map((c, b) => [c, b]));

/** UTF-8 bytes of `text` in byte-level form. */
export function toByteLevel(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) out += BYTE_TO_UNICODE[b];
  return out;
}
