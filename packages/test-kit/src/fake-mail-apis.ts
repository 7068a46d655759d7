import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeMailApiRequest {
  api: 'gmail' | 'graph';
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/**
 * A stand-in for the two mail-sending APIs behind Gmail and Outlook channels: Gmail's
 * `POST /gmail/v1/users/me/messages/send` and Microsoft Graph's `POST /v1.0/me/sendMail`. It records
 * each request (with its bearer token) and can refuse the next one, as an API does a revoked token.
 */
export async function startFakeMailApis() {
  const requests: FakeMailApiRequest[] = [];
  let refuseNext: number | null = null;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const api = req.url === '/gmail/v1/users/me/messages/send' ? 'gmail' : req.url === '/v1.0/me/sendMail' ? 'graph' : null;
      if (req.method !== 'POST' || !api) {
        res.writeHead(404).end();
        return;
      }
      if (refuseNext !== null) {
        const status = refuseNext;
        refuseNext = null;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: status, message: 'Request had invalid authentication credentials.' } }));
        return;
      }
      requests.push({ api, authorization: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> });
      if (api === 'gmail') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `msg-${requests.length}`, threadId: 't-1', labelIds: ['SENT'] }));
      else res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    /** The next send is answered with this status (e.g. 401). */
    refuseNext(status: number) {
      refuseNext = status;
    },
    /** A Gmail request's message, decoded from its base64url `raw`. */
    gmailMessage: (request: FakeMailApiRequest) => Buffer.from(String(request.body.raw), 'base64url').toString('utf8'),
    env: (): Record<string, string> => ({ GMAIL_API_BASE_URL: url, MICROSOFT_GRAPH_BASE_URL: url }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
export type FakeMailApis = Awaited<ReturnType<typeof startFakeMailApis>>;
