const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

interface Doc {
  info: { title: string; description: string };
  paths: Record<string, Record<string, { summary: string }>>;
}

/** A self-contained page listing the routes (no CDN: clusters are often offline). */
export function renderDocsPage(doc: Doc): string {
  const rows = Object.entries(doc.paths)
    .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escape(path)}</code></td><td>${escape(op.summary)}</td></tr>`))
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escape(doc.info.title)}</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}td{padding:.3rem .6rem;border-bottom:1px solid #ddd}</style></head>
<body><h1>${escape(doc.info.title)}</h1><p>${escape(doc.info.description)}</p>
<p>Machine-readable description: <a href="/docs/openapi.json">/docs/openapi.json</a> (OpenAPI 3.1).</p>
<table>${rows}</table></body></html>`;
}
