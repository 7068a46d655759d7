import type { Database, Db, Transaction } from '@steward/db';
import type { Config } from '../../config.js';
import { type Keyring, openSecret, sealSecret } from '../../secrets.js';

export const MAILERSEND = 'mailersend';
type Setting = 'api_key' | 'from_email' | 'webhook_secret';

const secretContext = (organisationId: string, setting: Setting) => `${organisationId}/${MAILERSEND}/${setting}`;

export type SettingSource = 'saved' | 'environment' | 'unset';

/**
 * The MailerSend settings in force for an organisation: a saved value overrides the environment.
 * Read at every send (no cache), so a change takes effect on every instance with the next email.
 */
export async function resolveMailerSendSettings(db: Db, config: Config, keyring: Keyring, organisationId: string | null) {
  const saved = organisationId
    ? await db
        .selectFrom('integration_settings')
        .select(['setting', 'value', 'ciphertext', 'key_version'])
        .where('organisation_id', '=', organisationId)
        .where('provider', '=', MAILERSEND)
        .execute()
    : [];
  const apiKeyRow = saved.find((r) => r.setting === 'api_key');
  const fromRow = saved.find((r) => r.setting === 'from_email');
  const savedApiKey =
    apiKeyRow?.ciphertext && apiKeyRow.key_version && organisationId
      ? openSecret(keyring, { ciphertext: apiKeyRow.ciphertext, keyVersion: apiKeyRow.key_version }, secretContext(organisationId, 'api_key'))
      : null;
  const apiKey = savedApiKey ?? config.mailersend.apiKey;
  return {
    apiKey,
    apiKeySource: (savedApiKey ? 'saved' : config.mailersend.apiKey ? 'environment' : 'unset') as SettingSource,
    fromEmail: fromRow?.value ?? config.mailersend.fromEmail,
    fromEmailSource: (fromRow?.value ? 'saved' : 'environment') as SettingSource,
    fromName: config.mailersend.fromName,
    baseUrl: config.mailersend.baseUrl,
  };
}

/**
 * What the console may see: where each value comes from, the key only as its last four characters;
 * whether the organisation's webhook signing secret is saved (never the secret), and the address
 * its MailerSend webhook should call.
 */
export async function describeMailerSendSettings(db: Db, config: Config, keyring: Keyring, organisationId: string) {
  const settings = await resolveMailerSendSettings(db, config, keyring, organisationId);
  const webhook = await db
    .selectFrom('integration_settings')
    .select('setting')
    .where('organisation_id', '=', organisationId)
    .where('provider', '=', MAILERSEND)
    .where('setting', '=', 'webhook_secret')
    .executeTakeFirst();
  return {
    apiKey: { source: settings.apiKeySource, mask: settings.apiKey ? `••••${settings.apiKey.slice(-4)}` : null },
    fromEmail: { source: settings.fromEmailSource, value: settings.fromEmail },
    webhookSecret: { saved: webhook !== undefined },
    webhookUrl: new URL('/webhooks/mailersend', config.publicUrl).href,
  };
}

/**
 * The webhook signing secrets organisations saved (their own MailerSend account's webhook), opened.
 * A request signed with one of them speaks for that organisation only.
 */
export async function savedWebhookSecrets(db: Db, keyring: Keyring): Promise<{ organisationId: string; secret: string }[]> {
  const rows = await db
    .selectFrom('integration_settings')
    .select(['organisation_id', 'ciphertext', 'key_version'])
    .where('provider', '=', MAILERSEND)
    .where('setting', '=', 'webhook_secret')
    .execute();
  return rows.map((row) => ({
    organisationId: row.organisation_id,
    secret: openSecret(keyring, { ciphertext: row.ciphertext!, keyVersion: row.key_version! }, secretContext(row.organisation_id, 'webhook_secret')),
  }));
}

export async function saveMailerSendSetting(
  trx: Transaction<Database>,
  keyring: Keyring,
  organisationId: string,
  updatedBy: string,
  setting: Setting,
  value: string,
) {
  const stored =
    setting !== 'from_email'
      ? { value: null, ...(({ ciphertext, keyVersion }) => ({ ciphertext, key_version: keyVersion }))(sealSecret(keyring, value, secretContext(organisationId, setting))) }
      : { value, ciphertext: null, key_version: null };
  await trx
    .insertInto('integration_settings')
    .values({ organisation_id: organisationId, provider: MAILERSEND, setting, updated_by: updatedBy, updated_at: new Date(), ...stored })
    .onConflict((oc) => oc.columns(['organisation_id', 'provider', 'setting']).doUpdateSet({ ...stored, updated_by: updatedBy, updated_at: new Date() }))
    .execute();
}

export async function clearMailerSendSettings(trx: Transaction<Database>, organisationId: string, settings: Setting[]) {
  const removed = await trx
    .deleteFrom('integration_settings')
    .where('organisation_id', '=', organisationId)
    .where('provider', '=', MAILERSEND)
    .where('setting', 'in', settings)
    .returning('setting')
    .execute();
  return removed.map((r) => r.setting);
}

/** Re-seals every stored secret under the current key, in one transaction. Returns how many changed. */
export async function resealAllSecrets(db: Db, keyring: Keyring): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('integration_settings')
      .select(['organisation_id', 'provider', 'setting', 'ciphertext', 'key_version'])
      .where('ciphertext', 'is not', null)
      .where('key_version', '!=', keyring.current.version)
      .forUpdate()
      .execute();
    // One statement per secret: each needs its own ciphertext computed here, and rotation is rare.
    for (const row of rows) {
      const context = `${row.organisation_id}/${row.provider}/${row.setting}`;
      const plaintext = openSecret(keyring, { ciphertext: row.ciphertext!, keyVersion: row.key_version! }, context);
      const sealed = sealSecret(keyring, plaintext, context);
      await trx
        .updateTable('integration_settings')
        .set({ ciphertext: sealed.ciphertext, key_version: sealed.keyVersion })
        .where('organisation_id', '=', row.organisation_id)
        .where('provider', '=', row.provider)
        .where('setting', '=', row.setting)
        .execute();
    }
    return rows.length;
  });
}
