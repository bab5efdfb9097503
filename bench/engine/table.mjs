// Right-aligned text tables for the engine bench's console output.

/** Rows of cells (strings) under a header, columns padded to the widest cell. */
export function formatTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((cells) => cells.map((c, i) => c.padStart(widths[i])).join('  ')).join('\n');
}
