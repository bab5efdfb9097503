/**
 * GPT-2 byte-level alphabet: every byte 0..255 is shown as one printable
 * character, so byte-level BPE vocabularies can be stored as text. Printable
 * Latin-1 bytes stand for themselves; the other 68 bytes are given the code
 * points 256, 257, ... in byte order (so a space is "Ġ", U+0120).
 */

function isSelfPrinting(b: number): boolean {
  return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
}

/** BYTE_TO_CHAR[b] is the character that stands for byte b. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const table: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    table[b] = String.fromCharCode(isSelfPrinting(b) ? b : next++);
  }
  return table;
})();

/** Inverse of BYTE_TO_CHAR, indexed by char code (all codes are below 0x200). */
const CHAR_TO_BYTE: Int16Array = (() => {
  const table = new Int16Array(0x200).fill(-1);
  BYTE_TO_CHAR.forEach((ch, b) => {
    table[ch.charCodeAt(0)] = b;
  });
  return table;
})();

const utf8 = new TextEncoder();

/** Text → its UTF-8 bytes written in the byte-level alphabet. */
export function toByteLevel(text: string): string {
  const bytes = utf8.encode(text);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += BYTE_TO_CHAR[bytes[i]];
  return out;
}

/**
 * Byte-level token text → raw bytes. A character outside the alphabet (which a
 * well-formed vocabulary never has) is kept as its own UTF-8 bytes.
 */
export function fromByteLevel(tokenText: string): Uint8Array {
  const out: number[] = [];
  for (const ch of tokenText) {
    const code = ch.codePointAt(0)!;
    const b = code < 0x200 ? CHAR_TO_BYTE[code] : -1;
    if (b >= 0) out.push(b);
    else out.push(...utf8.encode(ch));
  }
  return Uint8Array.from(out);
}
