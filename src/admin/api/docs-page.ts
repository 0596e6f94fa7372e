/** GET /api/docs: the OpenAPI document (openapi.ts) as a plain HTML page — no script, no CDN. */
import { openApiDocument, OPERATIONS } from './openapi.js';

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

let page: string | undefined;

export function docsPage(): string {
  if (page !== undefined) return page;
  const doc = openApiDocument();
  const info = doc.info as { title: string; version: string; description: string };
  const rows: string[] = [];
  for (const [path, ops] of Object.entries(OPERATIONS)) {
    for (const [method, op] of Object.entries(ops)) {
      const responses = Object.entries(op.responses).map(([code, schema]) => `${code} ${schema}`).join(', ');
      rows.push(`<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escape(path)}</code></td><td>${escape(op.summary)}</td><td>${escape(op.body ?? '')}</td><td>${escape(responses)}</td></tr>`);
    }
  }
  const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
  const sections = Object.entries(schemas).map(([name, s]) => `<h3 id="${escape(name)}">${escape(name)}</h3>\n<pre>${escape(JSON.stringify(s, null, 2))}</pre>`);
  page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(info.title)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:70em}td,th{border-bottom:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}pre{background:#f4f4f4;padding:1em;overflow:auto}</style>
</head><body>
<h1>${escape(info.title)} ${escape(info.version)}</h1>
<p>${escape(info.description)} Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
<h2>Operations</h2>
<table><tr><th>method</th><th>path</th><th>what</th><th>body</th><th>responses</th></tr>
${rows.join('\n')}
</table>
<h2>Schemas</h2>
${sections.join('\n')}
</body></html>
`;
  return page;
}
