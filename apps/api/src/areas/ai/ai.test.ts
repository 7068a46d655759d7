import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSignedInMember, type FakeAiProvider, startFakeAiProvider, startTestApp, useStewardApp } from '@steward/test-kit';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKeyring, openSecret } from '../../secrets.js';
import { resealAiKeys } from './ai-settings.js';

/** Issue 14, item 4: the AI platform per organisation, with a per-workspace override. */

const KEY = 'sk-proj-saved-by-an-admin-4242';
const steward = useStewardApp({ workers: false, organisation: 'Acme' });
let provider: FakeAiProvider;

beforeAll(async () => {
  provider = await startFakeAiProvider({ apiKey: KEY, models: ['gpt-4o-mini', 'claude-sonnet-4-5', 'llama3'] });
});
afterAll(async () => {
  await provider?.close();
});

type Settings = { provider: string; model: string; baseUrl: string | null; apiKey: { mask: string | null } } | null;
type Outcome = { ok: boolean; failure?: string; message: string };

const organisationId = () => steward.org.organisationId;
const admin = () => steward.org.admin.agent;

async function saveOrganisationAi(input: Record<string, unknown>) {
  return admin().trpc<{ settings: Settings }>('ai.save', { organisationId: organisationId(), ...input }, 'mutation');
}
async function testOrganisationAi() {
  const result = await admin().trpc<Outcome>('ai.test', { organisationId: organisationId() }, 'mutation');
  expect(result.error, result.text).toBeNull();
  expect(result.text).not.toContain(KEY);
  return result.data;
}

describe("the organisation's AI platform", () => {
  it('keeps the key sealed and shows it masked, never in a response', async () => {
    const saved = await saveOrganisationAi({ provider: 'openai', model: 'gpt-4o-mini', baseUrl: provider.openaiBaseUrl, apiKey: KEY });
    expect(saved.error, saved.text).toBeNull();
    expect(saved.data.settings).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', baseUrl: provider.openaiBaseUrl, apiKey: { mask: '••••4242' } });
    expect(saved.text).not.toContain(KEY);
    const read = await admin().trpc<{ settings: Settings }>('ai.get', { organisationId: organisationId() });
    expect(read.text).not.toContain(KEY);
    expect(read.data.settings?.apiKey.mask).toBe('••••4242');

    const row = await steward.app.db.selectFrom('ai_settings').selectAll().where('organisation_id', '=', organisationId()).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(KEY);
    expect(row.key_version).toMatch(/^k[0-9a-f]{12}$/);
    // Sealed for this organisation's row: it does not open under another context.
    expect(openSecret(steward.app.keyring, { ciphertext: row.ciphertext!, keyVersion: row.key_version! }, `${organisationId()}/ai/organisation/api_key`)).toBe(KEY);
    expect(() => openSecret(steward.app.keyring, { ciphertext: row.ciphertext!, keyVersion: row.key_version! }, `${organisationId()}/ai/other/api_key`)).toThrow();

    const audit = await steward.app.db.selectFrom('audit_log').select(['after']).where('action', '=', 'ai.save').execute();
    expect(audit.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit)).not.toContain(KEY);
    expect(JSON.stringify(audit)).toContain('[secret]');
  });

  it('tests the connection through the official SDKs and says what the provider answered', async () => {
    await saveOrganisationAi({ provider: 'openai', model: 'gpt-4o-mini', baseUrl: provider.openaiBaseUrl, apiKey: KEY });
    const before = provider.received.length;
    expect(await testOrganisationAi()).toEqual({ ok: true, message: 'OpenAI answered: the key works and the model "gpt-4o-mini" is available.' });
    expect(provider.received.slice(before)).toEqual([{ api: 'openai', method: 'GET', path: '/v1/models/gpt-4o-mini', apiKey: KEY }]);

    await saveOrganisationAi({ provider: 'anthropic', model: 'claude-sonnet-4-5', baseUrl: provider.anthropicBaseUrl, apiKey: KEY });
    const anthropic = await testOrganisationAi();
    expect(anthropic).toMatchObject({ ok: true });
    expect(anthropic.message).toContain('Anthropic answered');
    expect(provider.received.at(-1)).toMatchObject({ api: 'anthropic', path: '/v1/models/claude-sonnet-4-5', apiKey: KEY });
  });

  it.each([
    ['openai', () => provider.openaiBaseUrl],
    ['anthropic', () => provider.anthropicBaseUrl],
  ] as const)('%s: a refused key, an unknown model and an unreachable server, in plain words', async (kind, baseUrl) => {
    const name = kind === 'openai' ? 'OpenAI' : 'Anthropic';
    const wrongKey = `sk-wrong-key-${kind}-0000000000`;
    await saveOrganisationAi({ provider: kind, model: kind === 'openai' ? 'gpt-4o-mini' : 'claude-sonnet-4-5', baseUrl: baseUrl(), apiKey: wrongKey });
    const refused = await testOrganisationAi();
    expect(refused).toMatchObject({ ok: false, failure: 'bad_key' });
    expect(refused.message).toContain(`${name} refused the API key (401`);
    // The stand-in echoes the key it was sent; the answer does not repeat it.
    expect(refused.message).not.toContain(wrongKey);

    await saveOrganisationAi({ provider: kind, model: 'gpt-9-imaginary', baseUrl: baseUrl(), apiKey: KEY });
    const unknown = await testOrganisationAi();
    expect(unknown).toMatchObject({ ok: false, failure: 'unknown_model' });
    expect(unknown.message).toContain(`${name} does not know the model "gpt-9-imaginary"`);
    // In the provider's own words, too.
    expect(unknown.message).toContain('does not exist or you do not have access to it');

    await saveOrganisationAi({ provider: kind, model: 'gpt-4o-mini', baseUrl: 'http://127.0.0.1:9/v1', apiKey: KEY });
    const unreachable = await testOrganisationAi();
    expect(unreachable).toMatchObject({ ok: false, failure: 'unreachable' });
    expect(unreachable.message).toContain('could not be reached at http://127.0.0.1:9/v1');
  });

  it('relays nothing but the status of an answer that is not a provider\'s error (the base URL may point anywhere)', async () => {
    const other = http.createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Internal admin panel</h1><p>db password: hunter2</p>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      await saveOrganisationAi({ provider: 'openai_compatible', model: 'llama3', baseUrl: `http://127.0.0.1:${(other.address() as AddressInfo).port}/v1` });
      const outcome = await testOrganisationAi();
      expect(outcome).toMatchObject({ ok: false, failure: 'refused' });
      expect(outcome.message).toContain('but not as an OpenAI-style API does. Check the base URL');
      expect(outcome.message).not.toMatch(/admin panel|hunter2/);
    } finally {
      other.close();
    }
  });

  it('sends a saved key nowhere else: pointing the settings at another address needs the key again', async () => {
    await saveOrganisationAi({ provider: 'openai', model: 'gpt-4o-mini', baseUrl: provider.openaiBaseUrl, apiKey: KEY });
    // Same place, another model: the saved key is kept.
    const kept = await saveOrganisationAi({ provider: 'openai', model: 'llama3', baseUrl: provider.openaiBaseUrl });
    expect(kept.data.settings?.apiKey.mask).toBe('••••4242');
    const moved = await saveOrganisationAi({ provider: 'openai', model: 'gpt-4o-mini', baseUrl: 'https://collector.example/v1' });
    expect(moved.status).toBe(400);
    expect(moved.error?.message).toContain('Enter the API key again');
    const stored = await admin().trpc<{ settings: Settings }>('ai.get', { organisationId: organisationId() });
    expect(stored.data.settings?.baseUrl).toBe(provider.openaiBaseUrl);
  });

  it('takes any OpenAI-compatible server by its base URL, with or without a key', async () => {
    const missing = await saveOrganisationAi({ provider: 'openai_compatible', model: 'llama3' });
    expect(missing.status).toBe(400);
    expect(missing.error?.message).toContain('needs its base URL');
    expect((await saveOrganisationAi({ provider: 'openai_compatible', model: 'llama3', baseUrl: 'ftp://models.local' })).error?.message).toContain('http:// or https://');

    const saved = await saveOrganisationAi({ provider: 'openai_compatible', model: 'llama3', baseUrl: `${provider.openaiBaseUrl}/`, apiKey: KEY });
    expect(saved.data.settings).toMatchObject({ baseUrl: provider.openaiBaseUrl, apiKey: { mask: '••••4242' } });
    const outcome = await testOrganisationAi();
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome.message).toContain('The OpenAI-compatible server answered');
  });

  it('is re-sealed under a new secret key by the key rotation', async () => {
    await saveOrganisationAi({ provider: 'openai', model: 'gpt-4o-mini', baseUrl: provider.openaiBaseUrl, apiKey: KEY });
    const rotated = createKeyring(randomBytes(32), [steward.app.keyring.current.key]);
    expect(await resealAiKeys(steward.app.db, rotated)).toBeGreaterThanOrEqual(1);
    const row = await steward.app.db.selectFrom('ai_settings').selectAll().where('organisation_id', '=', organisationId()).where('workspace_id', 'is', null).executeTakeFirstOrThrow();
    expect(row.key_version).toBe(rotated.current.version);
    expect(openSecret(rotated, { ciphertext: row.ciphertext!, keyVersion: row.key_version! }, `${organisationId()}/ai/organisation/api_key`)).toBe(KEY);
    expect(await resealAiKeys(steward.app.db, rotated)).toBe(0);
    // Back under the app's own key for the tests that follow.
    await saveOrganisationAi({ provider: 'openai', model: 'gpt-4o-mini', baseUrl: provider.openaiBaseUrl, apiKey: KEY });
  });

  it('says so when nothing is set up, and clearing forgets the key', async () => {
    const cleared = await admin().trpc<{ settings: Settings }>('ai.clear', { organisationId: organisationId() }, 'mutation');
    expect(cleared.data.settings).toBeNull();
    expect(await steward.app.db.selectFrom('ai_settings').select('id').where('organisation_id', '=', organisationId()).execute()).toEqual([]);
    expect(await testOrganisationAi()).toMatchObject({ ok: false, failure: 'not_configured' });
  });
});

describe("a workspace's override", () => {
  it("is set by the workspace's admins, is used there instead of the organisation's, and clearing it brings the organisation's back", async () => {
    await saveOrganisationAi({ provider: 'openai', model: 'gpt-4o-mini', baseUrl: provider.openaiBaseUrl, apiKey: KEY });
    const workspaceId = steward.org.chapterWorkspaceId;
    const wsAdmin = await addSignedInMember(steward.app, organisationId(), 'ai-ws-admin@acme.example', 'member', [{ workspaceId, role: 'admin' }]);

    type WorkspaceAi = { override: Settings; organisation: Settings; inForce: string };
    const inherited = await wsAdmin.agent.trpc<WorkspaceAi>('workspaceAi.get', { workspaceId });
    expect(inherited.error, inherited.text).toBeNull();
    expect(inherited.data).toMatchObject({ override: null, inForce: 'organisation', organisation: { provider: 'openai', apiKey: { mask: '••••4242' } } });
    expect(inherited.text).not.toContain(KEY);
    // The organisation's settings stay with the organisation's admins.
    expect((await wsAdmin.agent.trpc('ai.get', { organisationId: organisationId() })).error?.data.code).toBe('FORBIDDEN');

    const ownKey = 'sk-ant-workspace-own-key-7777';
    provider.setApiKey(ownKey);
    const saved = await wsAdmin.agent.trpc<WorkspaceAi>('workspaceAi.save', { workspaceId, provider: 'anthropic', model: 'claude-sonnet-4-5', baseUrl: provider.anthropicBaseUrl, apiKey: ownKey }, 'mutation');
    expect(saved.error, saved.text).toBeNull();
    expect(saved.data).toMatchObject({ inForce: 'workspace', override: { provider: 'anthropic', apiKey: { mask: '••••7777' } } });
    expect(saved.text).not.toContain(ownKey);

    const viaOverride = await wsAdmin.agent.trpc<Outcome>('workspaceAi.test', { workspaceId }, 'mutation');
    expect(viaOverride.data).toMatchObject({ ok: true });
    expect(provider.received.at(-1)).toMatchObject({ api: 'anthropic', apiKey: ownKey });

    await wsAdmin.agent.trpc('workspaceAi.clear', { workspaceId }, 'mutation');
    const viaOrganisation = await wsAdmin.agent.trpc<Outcome>('workspaceAi.test', { workspaceId }, 'mutation');
    // The organisation's key is the old one, which the stand-in now refuses: the organisation's settings were used.
    expect(viaOrganisation.data).toMatchObject({ ok: false, failure: 'bad_key' });
    expect(provider.received.at(-1)).toMatchObject({ api: 'openai', apiKey: KEY });
    provider.setApiKey(KEY);

    const audit = await steward.app.db.selectFrom('audit_log').select(['action', 'workspace_id']).where('action', 'like', 'workspaceAi.%').orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['workspaceAi.save', 'workspaceAi.test', 'workspaceAi.clear', 'workspaceAi.test']);
    expect(audit.every((a) => a.workspace_id === workspaceId)).toBe(true);
  });
});

describe('where private addresses are refused (production, unless AI_PRIVATE_BASE_URLS=allow)', () => {
  it('refuses a base URL into the private network when saved, and does not call one saved before', async () => {
    // Saved while allowed (as outside production), pointing at the stand-in on 127.0.0.1.
    await saveOrganisationAi({ provider: 'openai', model: 'gpt-4o-mini', baseUrl: provider.openaiBaseUrl, apiKey: KEY });
    const guarded = await startTestApp({ database: steward.database, workers: false, env: { AI_PRIVATE_BASE_URLS: 'refuse' } });
    try {
      const admin = await guarded.signIn(steward.org.admin.email);
      for (const baseUrl of ['http://127.0.0.1:11434/v1', 'http://localhost:11434/v1', 'http://ollama:11434/v1', 'http://169.254.169.254/latest', 'http://[::1]:8080/v1', 'http://10.1.2.3/v1']) {
        const saved = await admin.trpc('ai.save', { organisationId: organisationId(), provider: 'openai_compatible', model: 'llama3', baseUrl }, 'mutation');
        expect(saved.status, baseUrl).toBe(400);
        expect(saved.error?.message).toContain('points to a private or local address');
      }
      const before = provider.received.length;
      const tested = await admin.trpc<Outcome>('ai.test', { organisationId: organisationId() }, 'mutation');
      expect(tested.data).toMatchObject({ ok: false, failure: 'refused' });
      expect(tested.data.message).toContain('AI_PRIVATE_BASE_URLS=allow');
      expect(provider.received.length).toBe(before);
      // A public address is accepted (it is only called when tested).
      expect((await admin.trpc('ai.save', { organisationId: organisationId(), provider: 'openai', model: 'gpt-4o-mini', baseUrl: 'https://llm.example.com/v1', apiKey: KEY }, 'mutation')).error).toBeNull();
    } finally {
      await guarded.close();
    }
  });
});
