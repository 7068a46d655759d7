import type { AiProvider, Db } from '@steward/db';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import { type Keyring, openSecret, sealSecret } from '../../secrets.js';
import { type Actor, recordAudit, SECRET_MARKER } from '../audit/record.js';
import { checkAiBaseUrl, refusedAiBaseUrl } from './base-url-guard.js';
import { type AiConnection, probeAiProvider } from './probe.js';

/** An organisation's settings (workspaceId null) or one workspace's override. */
export interface AiPlace {
  organisationId: string;
  workspaceId: string | null;
}

export interface AiDeps {
  db: Db;
  keyring: Keyring;
  config: Pick<Config, 'ai'>;
}

/** Binds the sealed key to its row: it cannot be moved to another organisation or workspace. */
const secretContext = (place: AiPlace) => `${place.organisationId}/ai/${place.workspaceId ?? 'organisation'}/api_key`;

const mask = (key: string | null) => (key ? `••••${key.slice(-4)}` : null);

async function storedRow(db: Db, place: AiPlace, lock = false) {
  let query = db
    .selectFrom('ai_settings')
    .select(['id', 'provider', 'model', 'base_url', 'ciphertext', 'key_version', 'updated_at'])
    .where('organisation_id', '=', place.organisationId)
    .where((eb) => (place.workspaceId ? eb('workspace_id', '=', place.workspaceId) : eb('workspace_id', 'is', null)));
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

type StoredRow = NonNullable<Awaited<ReturnType<typeof storedRow>>>;

function openKey(keyring: Keyring, place: AiPlace, row: StoredRow): string | null {
  return row.ciphertext && row.key_version ? openSecret(keyring, { ciphertext: row.ciphertext, keyVersion: row.key_version }, secretContext(place)) : null;
}

/** What the console and the API may show: never the key, only its last four characters. */
function view(keyring: Keyring, place: AiPlace, row: StoredRow | undefined) {
  if (!row) return null;
  return { provider: row.provider, model: row.model, baseUrl: row.base_url, apiKey: { mask: mask(openKey(keyring, place, row)) }, updatedAt: row.updated_at };
}

export async function getOrganisationAi(deps: AiDeps, organisationId: string) {
  const place = { organisationId, workspaceId: null };
  return { settings: view(deps.keyring, place, await storedRow(deps.db, place)) };
}

export async function getWorkspaceAi(deps: AiDeps, place: { organisationId: string; workspaceId: string }) {
  const organisationPlace = { organisationId: place.organisationId, workspaceId: null };
  const [own, organisation] = await Promise.all([storedRow(deps.db, place), storedRow(deps.db, organisationPlace)]);
  return {
    override: view(deps.keyring, place, own),
    organisation: view(deps.keyring, organisationPlace, organisation),
    inForce: own ? ('workspace' as const) : organisation ? ('organisation' as const) : ('none' as const),
  };
}

/**
 * The connection in force for a place: a workspace's override, else its organisation's. The key is
 * opened here, for the one request that needs it, and goes nowhere but to the provider.
 */
export async function resolveAiConnection(deps: AiDeps, place: AiPlace): Promise<AiConnection | null> {
  const own = await storedRow(deps.db, place);
  const organisationPlace = { organisationId: place.organisationId, workspaceId: null };
  const [row, from] = own ? [own, place] : place.workspaceId ? [await storedRow(deps.db, organisationPlace), organisationPlace] : [undefined, place];
  if (!row) return null;
  return { provider: row.provider, model: row.model, baseUrl: row.base_url, apiKey: openKey(deps.keyring, from, row) };
}

/** The audit entry of an action on a place's AI settings, named after its procedure (`ai.save`, `workspaceAi.save`…). */
function auditAi(db: Db, actor: Actor, place: AiPlace, verb: 'save' | 'clear' | 'test', change: { before?: unknown; after?: unknown }) {
  return recordAudit(db, actor, {
    organisationId: place.organisationId,
    workspaceId: place.workspaceId,
    action: `${place.workspaceId ? 'workspaceAi' : 'ai'}.${verb}`,
    targetType: 'ai_settings',
    targetId: place.workspaceId ?? place.organisationId,
    ...change,
  });
}

export interface SaveAiInput {
  provider: AiProvider;
  model: string;
  baseUrl?: string | null;
  apiKey?: string;
}

/**
 * Saves the provider, model, base URL and (sealed) key. A saved key is kept only while the
 * provider and base URL stay the same: it is never sent anywhere it was not saved for, so pointing
 * the settings elsewhere needs the key again.
 */
export async function saveAiSettings(deps: AiDeps, actor: Actor, place: AiPlace, input: SaveAiInput) {
  const baseUrl = input.baseUrl ?? null;
  if (input.provider === 'openai_compatible' && !baseUrl) throw new AppError('BAD_REQUEST', 'An OpenAI-compatible server needs its base URL, e.g. http://localhost:11434/v1.');
  if (baseUrl) checkAiBaseUrl(baseUrl, deps.config.ai.allowPrivateBaseUrls);
  await deps.db.transaction().execute(async (trx) => {
    const current = await storedRow(trx, place, true);
    const sameTarget = current !== undefined && current.provider === input.provider && current.base_url === baseUrl;
    let sealed: { ciphertext: string | null; key_version: string | null };
    if (input.apiKey !== undefined) {
      const { ciphertext, keyVersion } = sealSecret(deps.keyring, input.apiKey, secretContext(place));
      sealed = { ciphertext, key_version: keyVersion };
    } else if (sameTarget && current.ciphertext) {
      sealed = { ciphertext: current.ciphertext, key_version: current.key_version };
    } else if (input.provider === 'openai_compatible') {
      // A local model server may need no key.
      sealed = { ciphertext: null, key_version: null };
    } else {
      throw new AppError(
        'BAD_REQUEST',
        current?.ciphertext ? 'Enter the API key again: the provider or base URL changed, and a saved key is only sent where it was saved for.' : 'Enter the API key.',
      );
    }
    const values = { provider: input.provider, model: input.model, base_url: baseUrl, ...sealed, updated_by: actor.userId, updated_at: new Date() };
    if (current) await trx.updateTable('ai_settings').set(values).where('id', '=', current.id).execute();
    else await trx.insertInto('ai_settings').values({ organisation_id: place.organisationId, workspace_id: place.workspaceId, ...values }).execute();
    await auditAi(trx, actor, place, 'save', {
      before: current ? { provider: current.provider, model: current.model, baseUrl: current.base_url } : null,
      after: { provider: input.provider, model: input.model, baseUrl, ...(input.apiKey !== undefined ? { apiKey: SECRET_MARKER } : {}) },
    });
  });
}

/** Forgets the settings (a workspace then uses its organisation's again). */
export async function clearAiSettings(deps: AiDeps, actor: Actor, place: AiPlace) {
  await deps.db.transaction().execute(async (trx) => {
    const removed = await trx
      .deleteFrom('ai_settings')
      .where('organisation_id', '=', place.organisationId)
      .where((eb) => (place.workspaceId ? eb('workspace_id', '=', place.workspaceId) : eb('workspace_id', 'is', null)))
      .returning(['provider', 'model', 'base_url as baseUrl'])
      .executeTakeFirst();
    await auditAi(trx, actor, place, 'clear', { before: removed ?? null });
  });
}

/** Asks the provider in force whether the key and model work, and says in plain words what it answered. */
export async function testAiConnection(deps: AiDeps, actor: Actor, place: AiPlace) {
  const connection = await resolveAiConnection(deps, place);
  const refused = connection?.baseUrl ? await refusedAiBaseUrl(connection.baseUrl, deps.config.ai.allowPrivateBaseUrls) : null;
  const outcome = !connection
    ? ({ ok: false, failure: 'not_configured', message: 'No AI provider is set up yet: choose one and save it first.' } as const)
    : refused
      ? ({ ok: false, failure: 'refused', message: refused } as const)
      : await probeAiProvider(connection);
  await auditAi(deps.db, actor, place, 'test', { after: outcome });
  return outcome;
}

/** Re-seals every stored AI key under the current key (key rotation). Returns how many changed. */
export async function resealAiKeys(db: Db, keyring: Keyring): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('ai_settings')
      .select(['id', 'organisation_id', 'workspace_id', 'ciphertext', 'key_version'])
      .where('ciphertext', 'is not', null)
      .where('key_version', '!=', keyring.current.version)
      .forUpdate()
      .execute();
    // One statement per key: each needs its own ciphertext computed here, and rotation is rare.
    for (const row of rows) {
      const context = secretContext({ organisationId: row.organisation_id, workspaceId: row.workspace_id });
      const sealed = sealSecret(keyring, openSecret(keyring, { ciphertext: row.ciphertext!, keyVersion: row.key_version! }, context), context);
      await trx.updateTable('ai_settings').set({ ciphertext: sealed.ciphertext, key_version: sealed.keyVersion }).where('id', '=', row.id).execute();
    }
    return rows.length;
  });
}
