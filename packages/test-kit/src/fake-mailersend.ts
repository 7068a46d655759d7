import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedEmail {
  authorization: string | undefined;
  body: { from?: { email: string; name?: string }; to?: { email: string }[]; subject?: string; text?: string; html?: string };
}

/**
 * A local stand-in for MailerSend's API: records every email it is sent and can be told to fail
 * the next requests with a given status, the way the real one does.
 */
export async function startFakeMailerSend() {
  const received: ReceivedEmail[] = [];
  const failures: { status: number; body: unknown }[] = [];
  const waiters: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/email') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not found"}');
        return;
      }
      const failure = failures.shift();
      if (failure) {
        res.writeHead(failure.status, { 'content-type': 'application/json' }).end(JSON.stringify(failure.body));
        return;
      }
      received.push({ authorization: req.headers.authorization, body: JSON.parse(raw || '{}') });
      res.writeHead(202, { 'x-message-id': `msg-${received.length}` }).end();
      waiters.splice(0).forEach((wake) => wake());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/v1`;

  return {
    baseUrl,
    received,
    /** The next `times` requests answer `status` with `body`. */
    failNext(status: number, body: unknown = { message: 'Failure requested by the test' }, times = 1) {
      for (let i = 0; i < times; i++) failures.push({ status, body });
    },
    /** Resolves once `count` emails have arrived, or rejects after `timeoutMs`. */
    async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedEmail[]> {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`Expected ${count} emails at the fake MailerSend, got ${received.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 250));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return received;
    },
    env(apiKey = 'mlsn.test-key-from-environment'): Record<string, string> {
      return { MAILERSEND_API_KEY: apiKey, MAILERSEND_BASE_URL: baseUrl, MAILERSEND_FROM_EMAIL: 'steward@example.org' };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type FakeMailerSend = Awaited<ReturnType<typeof startFakeMailerSend>>;
