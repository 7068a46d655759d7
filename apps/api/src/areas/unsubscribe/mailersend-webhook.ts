import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * MailerSend's webhooks: each request is signed with the webhook's own signing secret, as the hex
 * HMAC-SHA256 of the raw request body, in the `Signature` header. The body is checked before it is
 * parsed, against every known secret: the server's (MAILERSEND_WEBHOOK_SECRETS, one per webhook or
 * an old one during a rotation) and those organisations saved for their own MailerSend account.
 */

export interface WebhookSecret<Scope> {
  secret: string;
  /** What a request signed with this secret may act on. */
  scope: Scope;
}

/** The scope of the secret that signed the body; undefined when none did. */
export function matchMailerSendSignature<Scope>(secrets: WebhookSecret<Scope>[], rawBody: Buffer, signature: string | undefined): { scope: Scope } | undefined {
  if (!signature || !/^[0-9a-f]{64}$/i.test(signature.trim())) return undefined;
  const given = Buffer.from(signature.trim(), 'hex');
  let match: { scope: Scope } | undefined;
  // Every secret is tried (no early exit), each compared in constant time.
  for (const { secret, scope } of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    if (timingSafeEqual(given, expected) && !match) match = { scope };
  }
  return match;
}

/** The events that opt a person out. */
export const OPT_OUT_EVENTS = ['activity.unsubscribed', 'activity.spam_complaint'] as const;

const CAMPAIGN_TAG = /^campaign-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

const recipientEmail = z.email();
const payloadSchema = z.object({
  type: z.string(),
  data: z
    .object({
      id: z.string().optional(),
      // Webhook version 1: `email` is the email object, its recipient inside; version 2: the address.
      email: z.union([
        z.string(),
        z.object({
          tags: z.array(z.string()).nullish(),
          recipient: z.object({ email: z.string() }).partial().nullish(),
        }),
      ]),
      tags: z.array(z.string()).nullish(),
    })
    .partial()
    .optional(),
});

export interface OptOutEvent {
  eventId: string;
  kind: string;
  email: string;
  campaignId: string | null;
}

/**
 * What an opt-out event is about; null for events of other kinds (acknowledged, nothing done).
 * Throws when an opt-out event lacks the recipient (the request is refused, so it is seen).
 */
export function readOptOutEvent(rawBody: Buffer): OptOutEvent | null {
  const parsed = payloadSchema.safeParse(JSON.parse(rawBody.toString('utf8')));
  if (!parsed.success) throw new Error('The webhook body is not a MailerSend event.');
  const { type, data } = parsed.data;
  if (!(OPT_OUT_EVENTS as readonly string[]).includes(type)) return null;
  const email = typeof data?.email === 'string' ? data.email : data?.email?.recipient?.email;
  if (!email || !recipientEmail.safeParse(email).success) throw new Error(`The ${type} event names no recipient address.`);
  const tags = [...(data?.tags ?? []), ...(typeof data?.email === 'object' ? (data.email.tags ?? []) : [])];
  const campaignId = tags.map((t) => CAMPAIGN_TAG.exec(t)?.[1]).find(Boolean)?.toLowerCase() ?? null;
  // The activity's id names the event; a body without one is named by its hash (a retry is identical).
  const eventId = data?.id ? `${type}:${data.id}` : `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
  return { eventId, kind: type, email, campaignId };
}
