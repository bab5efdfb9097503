// The sweep report's picture: file size (x) against mean KL divergence (y),
// one labelled point per preset, so the trade-off is visible at a glance.
// KL divergence spans orders of magnitude between 8-bit and 2-bit presets, so
// the y axis is logarithmic. Plain SVG text, no dependencies.

export interface ChartPoint {
  readonly label: string;
  readonly sizeBytes: number;
  readonly meanKld: number;
}

const W = 640;
const H = 400;
const M = { left: 72, right: 24, top: 40, bottom: 56 };

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(1) : x.toPrecision(2));

export function sizeKldChart(points: readonly ChartPoint[], title: string): string {
  const usable = points.filter((p) => p.sizeBytes > 0 && Number.isFinite(p.meanKld));
  const mb = usable.map((p) => p.sizeBytes / 1e6);
  const floor = 1e-6;
  const logK = usable.map((p) => Math.log10(Math.max(p.meanKld, floor)));
  const [x0, x1] = span(mb, 0.08);
  const [y0, y1] = span(logK, 0.1);
  const sx = (v: number) => M.left + ((v - x0) / (x1 - x0)) * (W - M.left - M.right);
  const sy = (v: number) => H - M.bottom - ((v - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="black"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="black"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 14}" text-anchor="middle">file size (MB)</text>`,
    `<text x="18" y="${(M.top + H - M.bottom) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(M.top + H - M.bottom) / 2})">mean KL divergence (log scale)</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = x0 + ((x1 - x0) * i) / 4;
    out.push(`<text x="${sx(v)}" y="${H - M.bottom + 16}" text-anchor="middle">${fmt(v)}</text>`);
  }
  for (let e = Math.ceil(y0); e <= Math.floor(y1); e++) {
    out.push(`<line x1="${M.left - 4}" y1="${sy(e)}" x2="${W - M.right}" y2="${sy(e)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 8}" y="${sy(e) + 4}" text-anchor="end">1e${e}</text>`);
  }
  usable.forEach((p, i) => {
    const cx = sx(mb[i]);
    const cy = sy(logK[i]);
    out.push(`<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="5" fill="#3366cc"><title>${esc(p.label)}: ${fmt(mb[i])} MB, KLD ${p.meanKld.toExponential(3)}</title></circle>`);
    out.push(`<text x="${(cx + 8).toFixed(1)}" y="${(cy - 8).toFixed(1)}">${esc(p.label)}</text>`);
  });
  if (usable.length === 0) out.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no evaluated presets</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** [min, max] widened by `pad` of the range (or ±1 around a single value). */
function span(values: number[], pad: number): [number, number] {
  if (values.length === 0) return [0, 1];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const r = hi - lo || Math.max(Math.abs(lo), 1);
  return [lo - r * pad, hi + r * pad];
}
