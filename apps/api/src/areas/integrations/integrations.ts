import type { Db } from '@steward/db';
import type { Config } from '../../config.js';
import { MailerError, sendEmail } from '../../email/mailer.js';
import { AppError } from '../../errors.js';
import type { Keyring } from '../../secrets.js';
import { type Actor, recordAudit, SECRET_MARKER } from '../audit/record.js';
import { clearMailerSendSettings, describeMailerSendSettings, saveMailerSendSetting } from './mailersend-settings.js';

export interface IntegrationDeps {
  db: Db;
  config: Config;
  keyring: Keyring;
}

export async function getIntegrations(deps: IntegrationDeps, organisationId: string) {
  return { mailersend: await describeMailerSendSettings(deps.db, deps.config, deps.keyring, organisationId) };
}

/**
 * Saves the MailerSend key, From address and/or webhook signing secret; the key and the secret are
 * sealed before they reach the database.
 */
export async function saveMailerSend(deps: IntegrationDeps, actor: Actor, organisationId: string, input: { apiKey?: string; fromEmail?: string; webhookSecret?: string }) {
  if (input.apiKey === undefined && input.fromEmail === undefined && input.webhookSecret === undefined) {
    throw new AppError('BAD_REQUEST', 'Give an API key, a From address or a webhook signing secret.');
  }
  await deps.db.transaction().execute(async (trx) => {
    if (input.apiKey !== undefined) await saveMailerSendSetting(trx, deps.keyring, organisationId, actor.userId, 'api_key', input.apiKey);
    if (input.fromEmail !== undefined) await saveMailerSendSetting(trx, deps.keyring, organisationId, actor.userId, 'from_email', input.fromEmail);
    if (input.webhookSecret !== undefined) await saveMailerSendSetting(trx, deps.keyring, organisationId, actor.userId, 'webhook_secret', input.webhookSecret);
    await recordAudit(trx, actor, {
      organisationId,
      action: 'integrations.saveMailerSend',
      targetType: 'integration',
      targetId: 'mailersend',
      after: {
        ...(input.apiKey !== undefined ? { apiKey: SECRET_MARKER } : {}),
        ...(input.fromEmail !== undefined ? { fromEmail: input.fromEmail } : {}),
        ...(input.webhookSecret !== undefined ? { webhookSecret: SECRET_MARKER } : {}),
      },
    });
  });
  return getIntegrations(deps, organisationId);
}

/** "Revert to environment": forgets the saved values, so the environment's apply again. */
export async function revertMailerSend(deps: IntegrationDeps, actor: Actor, organisationId: string, which: 'apiKey' | 'fromEmail' | 'both' | 'webhookSecret') {
  const settings =
    which === 'both' ? (['api_key', 'from_email'] as const) : which === 'apiKey' ? (['api_key'] as const) : which === 'webhookSecret' ? (['webhook_secret'] as const) : (['from_email'] as const);
  await deps.db.transaction().execute(async (trx) => {
    const cleared = await clearMailerSendSettings(trx, organisationId, [...settings]);
    await recordAudit(trx, actor, { organisationId, action: 'integrations.revertMailerSend', targetType: 'integration', targetId: 'mailersend', before: { cleared } });
  });
  return getIntegrations(deps, organisationId);
}

/** Sends a test email to the admin now, and says in plain words what MailerSend answered. */
export async function sendMailerSendTestEmail(deps: IntegrationDeps, actor: Actor, organisationId: string) {
  let outcome: { ok: true; via: 'mailersend' | 'dev_outbox'; message: string } | { ok: false; failure: string; message: string };
  try {
    const delivery = await sendEmail(deps, {
      organisationId,
      to: actor.email,
      subject: 'Steward test email',
      text: 'This is a test email from Steward. Your MailerSend settings work.',
      html: '<p>This is a test email from Steward. Your MailerSend settings work.</p>',
    });
    outcome =
      delivery.via === 'mailersend'
        ? { ok: true, via: 'mailersend', message: `MailerSend accepted the email to ${actor.email}.` }
        : { ok: true, via: 'dev_outbox', message: `No MailerSend key is set, so the email went to the development outbox.` };
  } catch (error) {
    if (!(error instanceof MailerError)) throw error;
    outcome = { ok: false, failure: error.failure, message: error.message };
  }
  await recordAudit(deps.db, actor, { organisationId, action: 'integrations.sendTestEmail', targetType: 'integration', targetId: 'mailersend', after: outcome });
  return outcome;
}
