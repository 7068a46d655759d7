import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Router } from 'express';
import { REST_BASE_PATH } from './rest.js';

/**
 * /api/docs: Swagger UI, served from the installed `swagger-ui-dist` package (no CDN), over the
 * OpenAPI document at /api/v1/openapi.json. Callers paste their key under "Authorize" and try
 * requests from the page. No inline script, so the console's CSP holds here too.
 */
export function apiDocs(): Router {
  const assets = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const router = express.Router();
  router.use('/assets', express.static(assets, { index: false, maxAge: '1d' }));
  router.get('/init.js', (_req, res) => {
    res.type('js').send(
      `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(`${REST_BASE_PATH}/openapi.json`)}, dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: true, persistAuthorization: false });\n`,
    );
  });
  router.get('/', (_req, res) => {
    res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Steward API reference</title><link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><noscript>The reference needs JavaScript; the OpenAPI document itself is at <a href="${REST_BASE_PATH}/openapi.json">${REST_BASE_PATH}/openapi.json</a>.</noscript>
<div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body></html>`);
  });
  return router;
}
