import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedEmail {
  authorization: string | undefined;
  body: { from?: { email: string; name?: string }; to?: { email: string }[]; subject?: string; text?: string; html?: string };
}

/** One request to the bulk endpoint, as accepted: its id and how many emails it held. */
export interface ReceivedBulk {
  bulkEmailId: string;
  count: number;
  /** When it arrived (ms since the epoch). */
  at: number;
}

/**
 * A local stand-in for MailerSend's API: records every email it is sent (single, or through the
 * bulk endpoint, each message of a bulk request recorded as an email) and can be told to fail the
 * next requests with a given status and headers, the way the real one does.
 *
 * `countOnly` (benchmarks of a million messages): bulk messages are not kept, only how many
 * arrived and how many times each address was sent to (`counted`), so the stand-in holds a few
 * dozen bytes per address instead of every body.
 */
export async function startFakeMailerSend(options: { countOnly?: boolean } = {}) {
  const received: ReceivedEmail[] = [];
  const counted = { messages: 0, byAddress: new Map<string, number>() };
  const bulks: ReceivedBulk[] = [];
  const failures: { status: number; body: unknown; headers?: Record<string, string> }[] = [];
  /** Milliseconds each bulk request takes to answer (to widen race windows in tests). */
  let bulkDelayMs = 0;
  /** Addresses the bulk status reports as refused, with the reason. */
  const refused = new Map<string, string>();
  /** Each accepted bulk's status, as GET /bulk-email/:id answers it. */
  const bulkStatus = new Map<string, { state: string; validation_errors: Record<string, string[]> | null }>();
  let bulkState = 'completed';
  const waiters: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', async () => {
      const bulk = req.method === 'POST' && req.url === '/v1/bulk-email';
      const status = req.method === 'GET' ? /^\/v1\/bulk-email\/([\w-]+)$/.exec(req.url ?? '') : null;
      if (status) {
        const found = bulkStatus.get(status[1]!);
        if (!found) res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not found"}');
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { id: status[1], ...found, state: bulkState } }));
        return;
      }
      if (!bulk && (req.method !== 'POST' || req.url !== '/v1/email')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not found"}');
        return;
      }
      if (bulk && bulkDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, bulkDelayMs));
      const failure = failures.shift();
      if (failure) {
        res.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers }).end(JSON.stringify(failure.body));
        return;
      }
      if (bulk) {
        const messages = JSON.parse(raw || '[]') as ReceivedEmail['body'][];
        if (!Array.isArray(messages) || messages.length > 500) {
          res.writeHead(422, { 'content-type': 'application/json' }).end('{"message":"A bulk request holds 1 to 500 emails."}');
          return;
        }
        if (options.countOnly) {
          counted.messages += messages.length;
          for (const message of messages) for (const to of message.to ?? []) counted.byAddress.set(to.email, (counted.byAddress.get(to.email) ?? 0) + 1);
        } else {
          for (const body of messages) received.push({ authorization: req.headers.authorization, body });
        }
        const bulkEmailId = `bulk-${bulks.length + 1}`;
        bulks.push({ bulkEmailId, count: messages.length, at: Date.now() });
        const errors = Object.fromEntries(
          messages.flatMap((m, i) => (m.to ?? []).filter((t) => refused.has(t.email)).map((t) => [`message.${i}.to.0.email`, [refused.get(t.email)!]])),
        );
        bulkStatus.set(bulkEmailId, { state: 'completed', validation_errors: Object.keys(errors).length ? errors : null });
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'The bulk email is being processed.', bulk_email_id: bulkEmailId }));
        waiters.splice(0).forEach((wake) => wake());
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
    /** With `countOnly`: the bulk messages received, and how many each address got. */
    counted,
    /** Accepted bulk requests, in order. */
    bulks,
    /** The next `times` requests answer `status` with `body` (and `headers`). */
    failNext(status: number, body: unknown = { message: 'Failure requested by the test' }, times = 1, headers?: Record<string, string>) {
      for (let i = 0; i < times; i++) failures.push({ status, body, headers });
    },
    /** The next `times` requests answer 429 Too Many Requests with `Retry-After: seconds`. */
    throttleNext(seconds: number, times = 1) {
      for (let i = 0; i < times; i++) failures.push({ status: 429, body: { message: 'Too Many Attempts.' }, headers: { 'retry-after': String(seconds) } });
    },
    /** The bulk status will report this address as refused (a validation error) with `reason`. */
    refuseInBulk(email: string, reason: string) {
      refused.set(email, reason);
    },
    /** The state every bulk status reports (`completed` unless told otherwise, e.g. `in-progress`). */
    setBulkState(state: string) {
      bulkState = state;
    },
    /** Makes every bulk request take this long to answer. */
    delayBulk(ms: number) {
      bulkDelayMs = ms;
    },
    /** Forgets what was received (between tests of one file). */
    reset() {
      received.length = 0;
      counted.messages = 0;
      counted.byAddress.clear();
      bulks.length = 0;
      failures.length = 0;
      bulkDelayMs = 0;
      refused.clear();
      bulkStatus.clear();
      bulkState = 'completed';
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
