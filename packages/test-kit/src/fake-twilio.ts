import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeTwilioMessage {
  accountSid: string;
  from: string;
  to: string;
  body: string;
  sid: string;
}

/**
 * A stand-in for Twilio's REST API (the `twilio` package is pointed at it with
 * TWILIO_API_BASE_URL): accounts with their Auth Tokens checked by HTTP Basic auth, the
 * account endpoint, and Messages.json, which records what was sent. Answers as Twilio does
 * (error 20003 "Authenticate" with HTTP 401 for a wrong token).
 */
export async function startFakeTwilio() {
  const accounts = new Map<string, { authToken: string; friendlyName: string; status: string }>();
  const messages: FakeTwilioMessage[] = [];
  const requests: { method: string; path: string }[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://twilio.local');
      requests.push({ method: req.method ?? 'GET', path: url.pathname });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const match = /^\/2010-04-01\/Accounts\/([^/.]+)(\.json|\/Messages\.json)$/.exec(url.pathname);
      if (!match) return send(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      const [, sid, rest] = match as unknown as [string, string, string];
      const [user, password] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
      const account = accounts.get(sid);
      if (!account || user !== sid || password !== account.authToken) {
        return send(401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
      }
      if (rest === '.json' && req.method === 'GET') {
        return send(200, { sid, friendly_name: account.friendlyName, status: account.status, type: 'Full', date_created: new Date().toUTCString() });
      }
      if (rest === '/Messages.json' && req.method === 'POST') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const message = { accountSid: sid, from: form.get('From') ?? '', to: form.get('To') ?? '', body: form.get('Body') ?? '', sid: `SM${randomBytes(16).toString('hex')}` };
        if (!/^\+[1-9]\d{6,14}$/.test(message.to)) return send(400, { code: 21211, message: `The 'To' number ${message.to} is not a valid phone number.`, status: 400 });
        messages.push(message);
        return send(201, { sid: message.sid, account_sid: sid, from: message.from, to: message.to, body: message.body, status: 'queued', date_created: new Date().toUTCString() });
      }
      return send(405, { code: 20004, message: 'Method not allowed', status: 405 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    messages,
    requests,
    /** A Twilio account that exists at the stand-in; returns its Account SID and Auth Token. */
    addAccount(friendlyName = 'Steward test account') {
      const sid = `AC${randomBytes(16).toString('hex')}`;
      const authToken = randomBytes(16).toString('hex');
      accounts.set(sid, { authToken, friendlyName, status: 'active' });
      return { accountSid: sid, authToken };
    },
    /** The Auth Token changes at Twilio (rotated by its owner): the old one stops working. */
    rotateAuthToken(accountSid: string) {
      const account = accounts.get(accountSid)!;
      account.authToken = randomBytes(16).toString('hex');
      return account.authToken;
    },
    env: (): Record<string, string> => ({ TWILIO_API_BASE_URL: url }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
export type FakeTwilio = Awaited<ReturnType<typeof startFakeTwilio>>;

/**
 * X-Twilio-Signature as Twilio computes it (written here from Twilio's documentation, not taken
 * from the twilio package, so the test checks Steward's verification independently): HMAC-SHA1
 * with the Auth Token over the full URL followed by each POST parameter's name and value, sorted by name.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>) {
  const data = url + Object.keys(params).sort().map((name) => name + params[name]).join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** Posts an inbound SMS to a webhook address the way Twilio does: form-encoded and signed. */
export async function postTwilioInboundSms(
  url: string,
  sms: { accountSid: string; from: string; to: string; body: string },
  authToken: string,
  options: { signature?: string } = {},
) {
  const params: Record<string, string> = {
    MessageSid: `SM${randomBytes(16).toString('hex')}`,
    SmsSid: `SM${randomBytes(16).toString('hex')}`,
    AccountSid: sms.accountSid,
    From: sms.from,
    To: sms.to,
    Body: sms.body,
    NumMedia: '0',
    ApiVersion: '2010-04-01',
  };
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': options.signature ?? twilioSignature(authToken, url, params) },
    body: new URLSearchParams(params).toString(),
  });
}
