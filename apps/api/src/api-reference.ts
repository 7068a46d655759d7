import { escapeHtml } from './html.js';
import type { Config } from './config.js';
import { openApiDocument, REST_BASE_PATH } from './rest.js';

interface Operation {
  summary?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

/** GET /api/docs: a readable page of every REST operation, rendered on the server (no script). */
export function renderApiReference(config: Config): string {
  const document = openApiDocument(config) as unknown as { paths: Record<string, Record<string, Operation>> };
  const byTag = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? 'other';
      const params = (op.parameters ?? [])
        .map((p) => `<li><code>${escapeHtml(p.name)}</code> <small>(${escapeHtml(p.in)}${p.required ? ', required' : ''})</small></li>`)
        .join('');
      const body = op.requestBody?.content?.['application/json']?.schema;
      const ok = op.responses?.['200']?.content?.['application/json']?.schema;
      byTag.set(tag, [
        ...(byTag.get(tag) ?? []),
        `<section class="op"><h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(REST_BASE_PATH + path)}</code></h3>
<p>${escapeHtml(op.summary ?? '')}</p>${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ''}
${body ? `<details><summary>Request body</summary><pre>${escapeHtml(JSON.stringify(body, null, 2))}</pre></details>` : ''}
${ok ? `<details><summary>Response 200</summary><pre>${escapeHtml(JSON.stringify(ok, null, 2))}</pre></details>` : ''}</section>`,
      ]);
    }
  }
  const sections = [...byTag].map(([tag, ops]) => `<h2 id="${escapeHtml(tag)}">${escapeHtml(tag)}</h2>${ops.join('')}`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Steward API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
code,pre{font-family:ui-monospace,monospace}pre{background:#f4f5f7;padding:.6rem;overflow:auto;max-height:24rem}
.op{border:1px solid #dde1e8;border-radius:8px;padding:.2rem 1rem;margin:.8rem 0}.method{font-size:.8rem;padding:.1rem .4rem;border-radius:4px;color:#fff;background:#5d6575}
.get{background:#2f7d4f}.post{background:#2f5bd3}.patch,.put{background:#9a6700}.delete{background:#b3261e}</style></head><body>
<h1>Steward API reference</h1>
<p>Base URL <code>${escapeHtml(new URL(REST_BASE_PATH, config.publicUrl).href)}</code>. Every request carries <code>Authorization: Bearer pai_…</code>
(create keys in the console under API keys). A key acts for its owner with the lower of its scope and the owner's current role; a request for
another organisation's object answers 404. Errors are JSON <code>{ "message", "code" }</code>; too many requests answer 429 with <code>Retry-After</code>.
The machine-readable document is <a href="${REST_BASE_PATH}/openapi.json">${REST_BASE_PATH}/openapi.json</a> (OpenAPI 3).</p>
${sections}</body></html>`;
}
