import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request to the stand-in: which API it spoke (by its auth header), where, and the key it carried. */
export interface ReceivedAiRequest {
  api: 'openai' | 'anthropic';
  method: string;
  path: string;
  apiKey: string | null;
}

/**
 * A local stand-in for the AI providers' APIs, answering like OpenAI (/v1/models, /v1/models/{id},
 * /v1/chat/completions) and, for requests that name an `anthropic-version`, like Anthropic
 * (/v1/models, /v1/models/{id}, /v1/messages): 401 for a wrong key, 404 for an unknown model.
 * Like some real servers, its 401 echoes the key it was given, so callers must not repeat it.
 * The official SDKs are pointed at it with their base URL option: `openaiBaseUrl`, `anthropicBaseUrl`.
 */
export async function startFakeAiProvider(options: { apiKey: string; models?: string[] }) {
  const models = options.models ?? ['gpt-4o-mini', 'claude-sonnet-4-5'];
  let validKey = options.apiKey;
  const received: ReceivedAiRequest[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      // Anthropic's SDK names its API version in every request; its key comes as x-api-key or a bearer token.
      const api: ReceivedAiRequest['api'] = req.headers['anthropic-version'] ? 'anthropic' : 'openai';
      const headerKey = req.headers['x-api-key'];
      const apiKey = (typeof headerKey === 'string' ? headerKey : null) ?? /^Bearer (.*)$/.exec(req.headers.authorization ?? '')?.[1] ?? null;
      const path = (req.url ?? '/').split('?')[0]!;
      received.push({ api, method: req.method ?? 'GET', path, apiKey });
      const answer = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${received.length}` }).end(JSON.stringify(body));
      const error = (status: number, type: string, message: string) =>
        answer(status, api === 'anthropic' ? { type: 'error', error: { type, message } } : { error: { message, type, param: null, code: type } });

      if (apiKey !== validKey) return error(401, api === 'anthropic' ? 'authentication_error' : 'invalid_api_key', `Incorrect API key provided: ${apiKey}.`);
      const modelView = (id: string) =>
        api === 'anthropic' ? { type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' } : { id, object: 'model', created: 1_735_689_600, owned_by: 'stand-in' };
      if (req.method === 'GET' && path === '/v1/models') {
        const data = models.map(modelView);
        return answer(200, api === 'anthropic' ? { data, has_more: false, first_id: models[0] ?? null, last_id: models.at(-1) ?? null } : { object: 'list', data });
      }
      const one = req.method === 'GET' ? /^\/v1\/models\/(.+)$/.exec(path) : null;
      if (one) {
        const id = decodeURIComponent(one[1]!);
        return models.includes(id) ? answer(200, modelView(id)) : error(404, 'not_found_error', `The model \`${id}\` does not exist or you do not have access to it.`);
      }
      const completion = req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/messages');
      if (completion) {
        const model = (JSON.parse(raw || '{}') as { model?: string }).model ?? '';
        if (!models.includes(model)) return error(404, 'not_found_error', `The model \`${model}\` does not exist or you do not have access to it.`);
        return answer(
          200,
          api === 'anthropic'
            ? { id: 'msg_1', type: 'message', role: 'assistant', model, content: [{ type: 'text', text: 'OK' }], stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 1 } }
            : { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: 'OK' }, finish_reason: 'stop' }] },
        );
      }
      error(404, 'not_found_error', `Nothing at ${path}.`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    /** What the OpenAI SDK takes as `baseURL` (and any OpenAI-compatible server's address). */
    openaiBaseUrl: `${url}/v1`,
    /** What the Anthropic SDK takes as `baseURL`. */
    anthropicBaseUrl: url,
    received,
    /** Accept another key from now on (the old one is then refused). */
    setApiKey(key: string) {
      validKey = key;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type FakeAiProvider = Awaited<ReturnType<typeof startFakeAiProvider>>;
