import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAiProvider, mailerSendWebhookEvent, postMailerSendWebhook, signMailerSendWebhook, startFakeAiProvider, useStewardApp } from '@steward/test-kit';
import { appRouter } from '../src/router.js';
import { procedureSamples } from './procedure-samples.js';

/**
 * SPEC §5 "Secrets": a stored credential never appears in a response, a log line, an error
 * message or an audit entry. One secret is saved, then every procedure and every REST path is
 * called, and everything that came back or was logged is searched for it and its ciphertext.
 */

const SECRET = `mlsn.leak-canary-${randomBytes(12).toString('hex')}`;
/** An organisation's MailerSend webhook signing secret (issue 12): held to the same checks. */
const WEBHOOK_SECRET = `mailersend-webhook-canary-${randomBytes(12).toString('hex')}`;
/** The AI provider's key (issue 14): held to the same checks. */
const AI_SECRET = `sk-leak-canary-${randomBytes(12).toString('hex')}`;
let aiProvider: FakeAiProvider;

const steward = useStewardApp({ fakeMailerSend: { apiKey: 'mlsn.environment-key' }, organisation: 'Acme' });
let ciphertext: string;
const SAMPLES = procedureSamples(() => steward.app);
const seen: { where: string; text: string }[] = [];

const procedures = (appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: 'query' | 'mutation' } }> } })._def.procedures;

async function newWorkspace() {
  const slug = `leak-${randomBytes(4).toString('hex')}`;
  return (await steward.app.db.insertInto('workspaces').values({ organisation_id: steward.org.organisationId, kind: 'chapter', name: slug, slug }).returning('id').executeTakeFirstOrThrow()).id;
}

/** Puts the canary back after a sample call replaced or cleared it. */
async function saveCanary() {
  const saved = await steward.org.admin.agent.trpc('integrations.saveMailerSend', { organisationId: steward.org.organisationId, apiKey: SECRET, webhookSecret: WEBHOOK_SECRET }, 'mutation');
  seen.push({ where: 'integrations.saveMailerSend', text: saved.text });
  ciphertext = (await steward.app.db.selectFrom('integration_settings').select('ciphertext').where('setting', '=', 'api_key').executeTakeFirstOrThrow()).ciphertext!;
  ciphertexts.push(ciphertext);
  const webhookRow = await steward.app.db.selectFrom('integration_settings').select('ciphertext').where('setting', '=', 'webhook_secret').executeTakeFirstOrThrow();
  ciphertexts.push(webhookRow.ciphertext!);
}

/** Puts the AI canary back (the organisation's settings, at the AI stand-in) after a sample call replaced or cleared it. */
async function saveAiCanary() {
  const saved = await steward.org.admin.agent.trpc('ai.save', { organisationId: steward.org.organisationId, provider: 'openai', model: 'gpt-4o-mini', baseUrl: aiProvider.openaiBaseUrl, apiKey: AI_SECRET }, 'mutation');
  seen.push({ where: 'ai.save', text: saved.text });
  const rows = await steward.app.db.selectFrom('ai_settings').select('ciphertext').where('ciphertext', 'is not', null).execute();
  ciphertexts.push(...rows.map((r) => r.ciphertext!));
}
const resavesCanary = (path: string) => (path.startsWith('integrations.') ? saveCanary() : path.startsWith('ai.') ? saveAiCanary() : undefined);
const ciphertexts: string[] = [];

beforeAll(async () => {
  aiProvider = await startFakeAiProvider({ apiKey: AI_SECRET });
  await saveCanary();
  await saveAiCanary();
  // Make MailerSend refuse once, so an error path that could echo the key is exercised too.
  steward.mailer.failNext(401, { message: 'Unauthenticated.' });
});

describe('stored secrets never leak', () => {
  it('through any tRPC procedure', async () => {
    for (const [path, procedure] of Object.entries(procedures)) {
      const sample = SAMPLES[path];
      if (!sample) continue;
      const input = await sample({ organisationId: steward.org.organisationId, workspaceId: await newWorkspace(), caller: steward.org.admin, admin: steward.org.admin });
      const result = await steward.org.admin.agent.trpc(path, input, procedure._def.type);
      seen.push({ where: `trpc ${path}`, text: result.text });
      if (procedure._def.type === 'mutation') await resavesCanary(path);
    }
    // Bad input too: error messages must not echo anything secret.
    seen.push({ where: 'bad input', text: (await steward.org.admin.agent.trpc('integrations.saveMailerSend', { organisationId: steward.org.organisationId, apiKey: 'x' }, 'mutation')).text });
    expect(seen.length).toBeGreaterThan(20);
  });

  it('through any REST path', async () => {
    // From here the AI stand-in refuses the canary, and its 401 answer echoes it back: the error path is searched too.
    aiProvider.setApiKey('sk-some-other-key');
    const { key } = (await steward.org.admin.agent.trpc<{ key: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'leak test' }, 'mutation')).data;
    const document = (await (await fetch(`${steward.app.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    seen.push({ where: 'openapi.json', text: JSON.stringify(document) });
    let calls = 0;
    for (const [template, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const procedurePath = operation.operationId.replace(/-/g, '.');
        const input: Record<string, unknown> = SAMPLES[procedurePath]
          ? await SAMPLES[procedurePath]!({ organisationId: steward.org.organisationId, workspaceId: await newWorkspace(), caller: steward.org.admin, admin: steward.org.admin })
          : {};
        const rest = { ...input };
        const url = template.replace(/\{(\w+)\}/g, (_, name: string) => {
          const value = String(rest[name]);
          delete rest[name];
          return encodeURIComponent(value);
        });
        const hasBody = method !== 'get' && method !== 'delete';
        const query = hasBody ? '' : `?${new URLSearchParams(Object.entries(rest).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString()}`;
        const response = await fetch(`${steward.app.url}/api/v1${url}${query}`, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: hasBody ? JSON.stringify(rest) : undefined,
        });
        calls += 1;
        expect(response.status, `${method.toUpperCase()} ${url}`).toBeLessThan(500);
        seen.push({ where: `REST ${method.toUpperCase()} ${url}`, text: `${JSON.stringify([...response.headers])}\n${await response.text()}` });
        if (method !== 'get') await resavesCanary(procedurePath);
      }
    }
    expect(calls).toBeGreaterThanOrEqual(15);
    seen.push({ where: 'api docs', text: await (await fetch(`${steward.app.url}/api/docs`)).text() });
    // The webhook secret in play: a request it signs is accepted, a forged one refused (and logged).
    const event = mailerSendWebhookEvent('activity.delivered', 'someone@example.org');
    for (const secret of [WEBHOOK_SECRET, 'not-the-secret']) {
      const response = await postMailerSendWebhook(`${steward.app.url}/webhooks/mailersend`, event, signMailerSendWebhook(event, secret));
      expect(response.status).toBe(secret === WEBHOOK_SECRET ? 200 : 401);
      seen.push({ where: 'POST /webhooks/mailersend', text: `${JSON.stringify([...response.headers])}\n${await response.text()}` });
    }
  });

  it('in any response, log line or audit entry', async () => {
    const audit = await steward.app.db.selectFrom('audit_log').selectAll().execute();
    const places = [...seen, { where: 'logs', text: steward.app.logs.join('\n') }, { where: 'audit log', text: JSON.stringify(audit) }];
    for (const { where, text } of places) {
      expect(text.includes(AI_SECRET), `the AI key appeared in ${where}`).toBe(false);
      expect(text.includes(AI_SECRET.slice(0, -4)), `most of the AI key appeared in ${where}`).toBe(false);
      expect(text.includes(SECRET), `the secret appeared in ${where}`).toBe(false);
      expect(text.includes(WEBHOOK_SECRET.slice(0, -4)), `the webhook signing secret appeared in ${where}`).toBe(false);
      for (const sealed of ciphertexts) expect(text.includes(sealed), `a ciphertext appeared in ${where}`).toBe(false);
      expect(text.includes(SECRET.slice(0, -4)), `most of the secret appeared in ${where}`).toBe(false);
    }
    // The canary was really in play: MailerSend received it as the key.
    expect(steward.mailer.received.some((r) => r.authorization === `Bearer ${SECRET}`)).toBe(true);
    // And the AI canary: the provider was asked with it (ai.test), and its 401 answers echo keys.
    expect(aiProvider.received.some((r) => r.apiKey === AI_SECRET)).toBe(true);
  });
});

afterAll(async () => {
  await aiProvider?.close();
});
