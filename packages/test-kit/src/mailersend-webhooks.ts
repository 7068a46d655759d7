import { createHmac, randomBytes } from 'node:crypto';

/**
 * MailerSend's webhook requests, as the real service sends them: a JSON event whose raw body is
 * signed with the webhook's signing secret (hex HMAC-SHA256) in the `Signature` header.
 * `version: 1` is the original payload (the recipient inside `data.email`), `2` the flat one.
 */
export function mailerSendWebhookEvent(
  type: string,
  email: string,
  options: { id?: string; tags?: string[]; version?: 1 | 2 } = {},
): string {
  const id = options.id ?? randomBytes(12).toString('hex');
  const now = new Date().toISOString();
  const event =
    options.version === 2
      ? { type, created_at: now, data: { id, type: type.replace(/^activity\./, ''), email, tags: options.tags ?? [], subject: 'News', meta: null } }
      : {
          type,
          domain_id: 'yv69oxl5kl785kw2',
          created_at: now,
          webhook_id: '2351ndgwr4zqx8ko',
          url: 'https://steward.example/webhooks/mailersend',
          data: {
            object: 'activity',
            id,
            type: type.replace(/^activity\./, ''),
            created_at: now,
            email: {
              object: 'email',
              id: randomBytes(12).toString('hex'),
              created_at: now,
              from: 'steward@example.org',
              subject: 'News',
              status: 'sent',
              tags: options.tags ?? null,
              message: { object: 'message', id: randomBytes(12).toString('hex'), created_at: now },
              recipient: { object: 'recipient', id: randomBytes(12).toString('hex'), email, created_at: now },
            },
            morph: null,
          },
        };
  return JSON.stringify(event);
}

export const signMailerSendWebhook = (body: string, secret: string) => createHmac('sha256', secret).update(body).digest('hex');

/** Posts a webhook request the way MailerSend does: no cookie, the raw body signed. */
export function postMailerSendWebhook(url: string, body: string, signature: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', signature, 'user-agent': 'MailerSend-Webhooks' }, body, redirect: 'manual' });
}
