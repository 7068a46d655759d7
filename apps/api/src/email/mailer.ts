import { createRequire } from 'node:module';
import { EmailParams, Recipient, Sender } from 'mailersend';
import type { Db } from '@steward/db';
import type { Config } from '../config.js';
import { resolveMailerSendSettings } from '../areas/integrations/mailersend-settings.js';
import type { Keyring } from '../secrets.js';

// The SDK hard-codes its base URL on the MailerSend class; its Email module takes one, which
// lets tests (and EU/proxy deployments) point it elsewhere.
const require = createRequire(import.meta.url);
const { EmailModule } = require('mailersend/lib/modules/Email.module.js') as {
  EmailModule: new (apiKey: string, baseUrl: string) => { send(params: EmailParams): Promise<{ statusCode: number; headers: Record<string, string> }> };
};

export interface OutgoingEmail {
  organisationId: string | null;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export type MailerFailure = 'bad_key' | 'unverified_domain' | 'rate_limited' | 'network' | 'rejected' | 'provider_error' | 'not_configured';

/** A failed send, with a message a person can act on. Never carries the API key. */
export class MailerError extends Error {
  constructor(
    readonly failure: MailerFailure,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'MailerError';
  }
}

function describeFailure(status: number, body: unknown): MailerError {
  const text = JSON.stringify(body ?? '').slice(0, 500);
  if (status === 401 || status === 403) {
    return new MailerError('bad_key', 'MailerSend refused the API key. Check that it is correct and has email access.', false);
  }
  if (status === 429) return new MailerError('rate_limited', 'MailerSend is rate limiting this account. The email will be retried.', true);
  if (status === 422 && /domain/i.test(text) && /verif/i.test(text)) {
    return new MailerError('unverified_domain', 'The From address uses a domain that is not verified in MailerSend.', false);
  }
  if (status >= 500) return new MailerError('provider_error', `MailerSend had a problem (HTTP ${status}). The email will be retried.`, true);
  const detail = (body as { message?: unknown } | null)?.message;
  return new MailerError('rejected', `MailerSend rejected the email${typeof detail === 'string' ? `: ${detail.slice(0, 200)}` : ` (HTTP ${status})`}.`, false);
}

export interface MailerDeps {
  db: Db;
  config: Config;
  keyring: Keyring;
}

export type Delivery = { via: 'mailersend'; messageId: string | null } | { via: 'dev_outbox'; id: string };

/**
 * Sends one email through MailerSend; outside production with no key, it lands in the
 * development outbox instead, where the console shows it.
 */
export async function sendEmail(deps: MailerDeps, email: OutgoingEmail): Promise<Delivery> {
  const settings = await resolveMailerSendSettings(deps.db, deps.config, deps.keyring, email.organisationId);
  if (!settings.apiKey) {
    if (deps.config.env === 'production') {
      throw new MailerError('not_configured', 'MailerSend is not configured: set an API key under Integrations.', false);
    }
    const row = await deps.db
      .insertInto('dev_outbox')
      .values({ organisation_id: email.organisationId, to_email: email.to, subject: email.subject, text: email.text, html: email.html })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { via: 'dev_outbox', id: row.id };
  }
  const params = new EmailParams()
    .setFrom(new Sender(settings.fromEmail, settings.fromName))
    .setTo([new Recipient(email.to)])
    .setSubject(email.subject)
    .setHtml(email.html)
    .setText(email.text);
  try {
    const response = await new EmailModule(settings.apiKey, settings.baseUrl).send(params);
    return { via: 'mailersend', messageId: response.headers?.['x-message-id'] ?? null };
  } catch (error) {
    const failed = error as { statusCode?: unknown; body?: unknown };
    if (typeof failed?.statusCode === 'number') throw describeFailure(failed.statusCode, failed.body);
    throw new MailerError('network', 'MailerSend could not be reached. The email will be retried.', true);
  }
}
