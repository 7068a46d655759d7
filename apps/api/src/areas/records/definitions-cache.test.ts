import { describe, expect, it } from 'vitest';
import { sql } from '@steward/db';
import { useStewardApp } from '@steward/test-kit';

// Reads keep each organisation's field definitions between requests, checked against a version the
// database raises on every change: a change made anywhere (another instance, a migration, psql)
// is seen by the very next request.
const steward = useStewardApp({ workers: false, env: { REST_RATE_LIMIT_PER_MINUTE: '100000' }, organisation: 'Acme' });

type Field = { id: string; key: string; options: { id: string; label: string }[] };

async function call<T>(key: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${steward.app.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T & { message?: string } };
}

describe('field definitions kept between requests', () => {
  it('sees a change made behind its back at the next request, through a key and through a session', async () => {
    const { organisationId, chapterWorkspaceId: workspaceId, admin } = steward.org;
    const key = (await admin.agent.trpc<{ key: string }>('apiKeys.create', { organisationId, name: 'cache' }, 'mutation')).data.key;
    const field = (await call<Field>(key, 'POST', `/workspaces/${workspaceId}/fields`, { entity: 'contact', label: 'Shirt size', type: 'select', scope: 'workspace', options: [{ label: 'S' }, { label: 'M' }] })).body;
    const [small] = field.options;
    const created = await call<{ id: string }>(key, 'POST', `/workspaces/${workspaceId}/contacts`, { firstName: 'Ada', lastName: 'L', values: { [field.key]: small!.id } });
    expect(created.status).toBe(200);
    const search = () => call<{ items: { values: Record<string, unknown> }[] }>(key, 'POST', `/workspaces/${workspaceId}/contacts/search`, { filters: [{ field: field.key, op: 'eq', value: small!.id }], limit: 10 });
    const sessionSearch = () => admin.agent.trpc<{ items: unknown[] }>('contacts.search', { workspaceId, filters: [{ field: field.key, op: 'eq', value: small!.id }], limit: 10 });
    expect((await search()).body.items).toHaveLength(1);
    expect((await sessionSearch()).data.items).toHaveLength(1);

    // Another instance removes the option: the filter on it is refused at once, not answered from memory.
    await sql`update field_definitions set options = ${JSON.stringify(field.options.slice(1).map((o) => ({ ...o, archived: false })))}::jsonb where id = ${field.id}`.execute(steward.db);
    const refused = await search();
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('no option');
    expect((await sessionSearch()).error?.data.code).toBe('BAD_REQUEST');

    // And deleting the field: its key is unknown at once.
    await sql`delete from field_definitions where id = ${field.id}`.execute(steward.db);
    const gone = await search();
    expect(gone.status).toBe(400);
    expect(gone.body.message).toContain('no such field');
  });

  it('raises the version of the changed organisation only', async () => {
    const version = async (id: string) => (await steward.db.selectFrom('organisations').select('field_definitions_version').where('id', '=', id).executeTakeFirstOrThrow()).field_definitions_version;
    const other = await steward.db.insertInto('organisations').values({ name: 'Other' }).returning('id').executeTakeFirstOrThrow();
    const [mineBefore, otherBefore] = [await version(steward.org.organisationId), await version(other.id)];
    await steward.org.admin.agent.trpc('fields.create', { workspaceId: steward.org.chapterWorkspaceId, entity: 'deal', label: 'Channel', type: 'text', scope: 'workspace' }, 'mutation');
    expect(await version(steward.org.organisationId)).toBeGreaterThan(mineBefore);
    expect(await version(other.id)).toBe(otherBefore);
  });
});
