import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorFor, addMember, createTestDatabase, type TestDatabase } from '@steward/test-kit';
import { createOrganisation } from '../src/areas/organisations/bootstrap.js';
import { saveMailerSend } from '../src/areas/integrations/integrations.js';
import { resolveMailerSendSettings } from '../src/areas/integrations/mailersend-settings.js';
import { REPO_ROOT, loadConfig } from '../src/config.js';
import { createKeyring, devKeyFile, keyVersion, loadKeyring, openSecret, sealSecret } from '../src/secrets.js';

const keyA = randomBytes(32);
const keyB = randomBytes(32);

describe('sealed secrets (AES-256-GCM)', () => {
  it('round-trips, and records the version of the key that sealed it', () => {
    const keyring = createKeyring(keyA);
    const sealed = sealSecret(keyring, 'mlsn.value', 'org/mailersend/api_key');
    expect(sealed.keyVersion).toBe(keyVersion(keyA));
    expect(openSecret(keyring, sealed, 'org/mailersend/api_key')).toBe('mlsn.value');
    expect(sealSecret(keyring, 'mlsn.value', 'ctx').ciphertext).not.toBe(sealSecret(keyring, 'mlsn.value', 'ctx').ciphertext);
  });

  it('refuses a tampered ciphertext and one moved to another row', () => {
    const keyring = createKeyring(keyA);
    const sealed = sealSecret(keyring, 'mlsn.value', 'org-1/mailersend/api_key');
    expect(() => openSecret(keyring, sealed, 'org-2/mailersend/api_key')).toThrow();
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    expect(() => openSecret(keyring, { ...sealed, ciphertext: bytes.toString('base64') }, 'org-1/mailersend/api_key')).toThrow();
  });

  it('opens secrets sealed by a previous key, and explains a missing one', () => {
    const sealed = sealSecret(createKeyring(keyA), 'old', 'ctx');
    expect(openSecret(createKeyring(keyB, [keyA]), sealed, 'ctx')).toBe('old');
    expect(() => openSecret(createKeyring(keyB), sealed, 'ctx')).toThrow(/STEWARD_SECRET_KEYS_PREVIOUS/);
  });

  it('generates a development key once and keeps it beside the data folder', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'steward-keys-'));
    try {
      const first = await loadKeyring({ secretKey: undefined, previousSecretKeys: [], dataDir });
      const second = await loadKeyring({ secretKey: undefined, previousSecretKeys: [], dataDir });
      expect(second.current.version).toBe(first.current.version);
      expect((await fs.stat(devKeyFile(dataDir))).mode & 0o077).toBe(0);
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('npm run steward -- rotate-secret-key', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('re-encrypts every stored secret (MailerSend keys, channel credentials, OAuth tokens) under the new key, after which the old key is no longer needed', async () => {
    const envA = { STEWARD_SECRET_KEY: keyA.toString('base64') };
    const configA = loadConfig({ NODE_ENV: 'test', ...envA });
    const keyringA = await loadKeyring(configA);
    const orgs = [];
    for (const name of ['One', 'Two']) {
      const { organisationId } = await createOrganisation(database.db, { name, adminEmail: `admin@${name.toLowerCase()}.example` });
      const admin = await addMember(database.db, organisationId, `admin@${name.toLowerCase()}.example`, 'admin');
      await saveMailerSend({ db: database.db, config: configA, keyring: keyringA }, actorFor(admin), organisationId, { apiKey: `mlsn.secret-of-${name}` });
      orgs.push({ organisationId, name });
    }

    // A channel's credentials and an OAuth connection's tokens, sealed as their areas seal them.
    const [one] = orgs;
    const workspaceId = (await database.db.selectFrom('workspaces').select('id').where('organisation_id', '=', one!.organisationId).executeTakeFirstOrThrow()).id;
    const connectionId = randomUUID();
    const tokenContext = (which: string) => `${one!.organisationId}/oauth/${connectionId}/${which}`;
    await database.db
      .insertInto('oauth_connections')
      .values({
        id: connectionId,
        organisation_id: one!.organisationId,
        workspace_id: workspaceId,
        provider: 'gmail',
        purpose: 'channel',
        access_token_ciphertext: sealSecret(keyringA, 'access-token', tokenContext('access')).ciphertext,
        refresh_token_ciphertext: sealSecret(keyringA, 'refresh-token', tokenContext('refresh')).ciphertext,
        key_version: keyringA.current.version,
      })
      .execute();
    const channelId = randomUUID();
    const channelContext = `${one!.organisationId}/channel/${channelId}/secret`;
    await database.db
      .insertInto('channels')
      .values({
        id: channelId,
        organisation_id: one!.organisationId,
        workspace_id: workspaceId,
        kind: 'smtp',
        name: 'SMTP',
        address: 'team@one.example',
        settings: JSON.stringify({ host: 'smtp.one.example', port: 587 }),
        secret_ciphertext: sealSecret(keyringA, 'smtp-password', channelContext).ciphertext,
        key_version: keyringA.current.version,
      })
      .execute();

    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'apps/api/src/cli.ts', 'rotate-secret-key'], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: database.url, STEWARD_SECRET_KEY: keyB.toString('base64'), STEWARD_SECRET_KEYS_PREVIOUS: keyA.toString('base64') },
    });
    expect(stdout).toContain('Re-encrypted 4 stored secrets');

    const rows = await database.db.selectFrom('integration_settings').select('key_version').execute();
    expect(new Set(rows.map((r) => r.key_version))).toEqual(new Set([keyVersion(keyB)]));
    const configB = loadConfig({ NODE_ENV: 'test', STEWARD_SECRET_KEY: keyB.toString('base64') });
    const onlyB = await loadKeyring(configB);
    for (const { organisationId, name } of orgs) {
      expect((await resolveMailerSendSettings(database.db, configB, onlyB, organisationId)).apiKey).toBe(`mlsn.secret-of-${name}`);
    }
    const connection = await database.db.selectFrom('oauth_connections').selectAll().where('id', '=', connectionId).executeTakeFirstOrThrow();
    expect(openSecret(onlyB, { ciphertext: connection.access_token_ciphertext, keyVersion: connection.key_version }, tokenContext('access'))).toBe('access-token');
    expect(openSecret(onlyB, { ciphertext: connection.refresh_token_ciphertext!, keyVersion: connection.key_version }, tokenContext('refresh'))).toBe('refresh-token');
    const channel = await database.db.selectFrom('channels').selectAll().where('id', '=', channelId).executeTakeFirstOrThrow();
    expect(openSecret(onlyB, { ciphertext: channel.secret_ciphertext!, keyVersion: channel.key_version! }, channelContext)).toBe('smtp-password');
  }, 30_000);
});
