import { describe, expect, it } from 'vitest';
import { addSignedInMember, seedOrganisation, useStewardApp, type SeededUser } from '@steward/test-kit';
import { sql } from '@steward/db';
import { fieldWorkSettled, indexNameOf } from './storage.js';

const steward = useStewardApp({ workers: false, env: { REST_RATE_LIMIT_PER_MINUTE: '1000' }, organisation: 'Acme' });

interface Field {
  id: string;
  key: string;
  label: string;
  scope: string;
  type: string;
  required: boolean;
  options: { id: string; label: string; archived: boolean }[];
  indexStatus: string;
  recordsMissingValue: number | null;
}

const admin = () => steward.org.admin.agent;
const createField = async (input: Record<string, unknown>, agent = admin()) => agent.trpc<Field>('fields.create', { workspaceId: steward.org.chapterWorkspaceId, entity: 'contact', ...input }, 'mutation');
const ok = <T>(result: { error: unknown; text: string; data: T }) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};

/** A person linked to a workspace, with values written directly (as the records area stores them). */
async function personWith(workspaceId: string, contactValues: Record<string, unknown>, linkValues: Record<string, unknown> = {}) {
  const db = steward.app.db;
  const contact = await db
    .insertInto('contacts')
    .values({ organisation_id: steward.org.organisationId, first_name: 'P', field_values: JSON.stringify(contactValues) })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('contact_workspaces').values({ workspace_id: workspaceId, contact_id: contact.id, organisation_id: steward.org.organisationId, field_values: JSON.stringify(linkValues) }).execute();
  return contact.id;
}

async function rowVersions() {
  const contacts = await sql<{ v: string }>`select xmin::text || ':' || id as v from contacts order by id`.execute(steward.app.db);
  const links = await sql<{ v: string }>`select xmin::text || ':' || contact_id || ':' || workspace_id as v from contact_workspaces order by 1`.execute(steward.app.db);
  return [...contacts.rows, ...links.rows].map((r) => r.v);
}

describe('field definitions', () => {
  it('generates an immutable key from the label, builds the filter index in the background, and never reuses a key', async () => {
    const budget = ok(await createField({ label: 'Budget (€)', type: 'number' }));
    expect(budget).toMatchObject({ key: 'budget', scope: 'workspace', indexStatus: 'building', required: false });
    await fieldWorkSettled();
    const index = await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname = ${indexNameOf(budget.id)}`.execute(steward.app.db);
    expect(index.rows[0]?.indexdef).toMatch(/ON public\.contact_workspaces USING btree \(\(\(\(field_values ->> 'budget'::text\)\)::numeric\)\)$/);
    const listed = ok(await admin().trpc<Field[]>('fields.list', { workspaceId: steward.org.chapterWorkspaceId, entity: 'contact' }));
    expect(listed.find((f) => f.id === budget.id)?.indexStatus).toBe('ready');

    ok(await admin().trpc('fields.update', { fieldId: budget.id, label: 'Yearly budget' }, 'mutation'));
    const renamed = ok(await admin().trpc<Field[]>('fields.list', { workspaceId: steward.org.chapterWorkspaceId })).find((f) => f.id === budget.id)!;
    expect(renamed).toMatchObject({ key: 'budget', label: 'Yearly budget' });

    ok(await admin().trpc('fields.delete', { fieldId: budget.id }, 'mutation'));
    await fieldWorkSettled();
    expect((await sql`select 1 from pg_indexes where indexname = ${indexNameOf(budget.id)}`.execute(steward.app.db)).rows).toEqual([]);
    const again = ok(await createField({ label: 'Budget', type: 'number' }));
    expect(again.key).toBe('budget_2');
    const reserved = ok(await createField({ label: 'Email', type: 'text' }));
    expect(reserved.key).toBe('email_field');
  });

  it('keeps core and global-internal fields to organisation admins, and workspace fields to that workspace', async () => {
    const chapterAdmin = await addSignedInMember(steward.app, steward.org.organisationId, 'chapter-admin@acme.example', 'member', [{ workspaceId: steward.org.chapterWorkspaceId, role: 'admin' }]);
    const globalAdmin = await addSignedInMember(steward.app, steward.org.organisationId, 'global-admin@acme.example', 'member', [{ workspaceId: steward.org.globalWorkspaceId, role: 'admin' }]);
    for (const who of [chapterAdmin, globalAdmin]) {
      const refused = await createField({ label: 'Core thing', type: 'text', scope: 'core' }, who.agent);
      expect(refused.error?.data.code).toBe('FORBIDDEN');
      expect(refused.error?.message).toContain('organisation admins');
    }
    const own = ok(await createField({ label: 'Chapter notes', type: 'text' }, chapterAdmin.agent));
    const core = ok(await createField({ label: 'Membership', type: 'select', scope: 'core', options: [{ label: 'Gold' }, { label: 'Silver' }] }));
    const internal = ok(await createField({ label: 'Internal score', type: 'number', scope: 'global_internal' }));
    expect(core.options.map((o) => o.label)).toEqual(['Gold', 'Silver']);
    expect(core.options[0]!.id).toMatch(/^opt_[0-9a-f]{12}$/);

    const other = ok(await admin().trpc<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: 'Lyon', slug: 'lyon' }, 'mutation'));
    const keysIn = async (workspaceId: string, who: SeededUser = steward.org.admin) =>
      ok(await who.agent.trpc<Field[]>('fields.list', { workspaceId, entity: 'contact' })).map((f) => f.key);
    expect(await keysIn(steward.org.chapterWorkspaceId)).toEqual(expect.arrayContaining([own.key, core.key]));
    expect(await keysIn(steward.org.chapterWorkspaceId)).not.toContain(internal.key);
    expect(await keysIn(steward.org.globalWorkspaceId)).toEqual(expect.arrayContaining([core.key, internal.key]));
    expect(await keysIn(steward.org.globalWorkspaceId)).not.toContain(own.key);
    expect(await keysIn(other.id)).toContain(core.key);
    expect(await keysIn(other.id)).not.toContain(own.key);

    // The chapter admin manages their own field, not the core one; the global admin not the core one either.
    ok(await chapterAdmin.agent.trpc('fields.update', { fieldId: own.id, description: 'Anything' }, 'mutation'));
    expect((await chapterAdmin.agent.trpc('fields.update', { fieldId: core.id, label: 'X' }, 'mutation')).error?.data.code).toBe('FORBIDDEN');
    expect((await globalAdmin.agent.trpc('fields.update', { fieldId: core.id, label: 'X' }, 'mutation')).error?.data.code).toBe('FORBIDDEN');

    // Another organisation sees nothing.
    const outsider = await seedOrganisation(steward.app, 'Elsewhere');
    expect((await outsider.admin.agent.trpc('fields.list', { workspaceId: steward.org.chapterWorkspaceId })).error?.data.code).toBe('NOT_FOUND');
    expect((await outsider.admin.agent.trpc('fields.update', { fieldId: core.id, label: 'Mine' }, 'mutation')).error?.data.code).toBe('NOT_FOUND');
    expect((await outsider.admin.agent.trpc('fields.delete', { fieldId: own.id }, 'mutation')).error?.data.code).toBe('NOT_FOUND');
    expect(ok(await outsider.admin.agent.trpc<Field[]>('fields.list', { workspaceId: outsider.chapterWorkspaceId })).map((f) => f.key)).toEqual([]);
  });

  it('renames, reorders, adds, archives and restores options without writing any record row', async () => {
    const tier = ok(await createField({ label: 'Tier', type: 'select', options: [{ label: 'A' }, { label: 'B' }] }));
    const [a, b] = tier.options;
    for (let i = 0; i < 3; i++) await personWith(steward.org.chapterWorkspaceId, {}, { [tier.key]: a!.id });
    const before = await rowVersions();

    const renamed = ok(await admin().trpc<Field>('fields.update', { fieldId: tier.id, options: [{ id: b!.id, label: 'Bronze' }, { id: a!.id, label: 'Amber' }, { label: 'C' }] }, 'mutation'));
    expect(renamed.options.map((o) => o.label)).toEqual(['Bronze', 'Amber', 'C']);
    const archived = ok(await admin().trpc<Field>('fields.update', { fieldId: tier.id, options: [{ id: b!.id, label: 'Bronze' }, { id: a!.id, label: 'Amber', archived: true }, { id: renamed.options[2]!.id, label: 'C' }] }, 'mutation'));
    expect(archived.options[1]).toEqual({ id: a!.id, label: 'Amber', archived: true });
    const restored = ok(await admin().trpc<Field>('fields.update', { fieldId: tier.id, options: archived.options.map((o) => ({ ...o, archived: false })) }, 'mutation'));
    expect(restored.options.every((o) => !o.archived)).toBe(true);
    expect(await rowVersions()).toEqual(before);

    const removal = await admin().trpc('fields.update', { fieldId: tier.id, options: [{ id: b!.id, label: 'Bronze' }] }, 'mutation');
    expect(removal.error?.message).toContain("archive 'Amber' instead");
    const options = await admin().trpc('fields.create', { workspaceId: steward.org.chapterWorkspaceId, entity: 'contact', label: 'Age', type: 'number', options: [{ label: 'x' }] }, 'mutation');
    expect(options.error?.message).toContain('Only select and multi-select fields have options');
  });

  it('reorders fields in one call, only those the caller manages', async () => {
    const ws = ok(await admin().trpc<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: 'Order', slug: 'order' }, 'mutation'));
    const made: Field[] = [];
    for (const label of ['First', 'Second', 'Third']) made.push(ok(await admin().trpc<Field>('fields.create', { workspaceId: ws.id, entity: 'deal', label: `${label} deal field`, type: 'text' }, 'mutation')));
    const reordered = ok(await admin().trpc<Field[]>('fields.reorder', { workspaceId: ws.id, entity: 'deal', fieldIds: [made[2]!.id, made[0]!.id, made[1]!.id] }, 'mutation'));
    expect(reordered.map((f) => f.id)).toEqual([made[2]!.id, made[0]!.id, made[1]!.id]);
    const core = ok(await admin().trpc<Field>('fields.create', { workspaceId: ws.id, entity: 'deal', label: 'Core deal field', type: 'text', scope: 'core' }, 'mutation'));
    const wsAdmin = await addSignedInMember(steward.app, steward.org.organisationId, 'order-admin@acme.example', 'member', [{ workspaceId: ws.id, role: 'admin' }]);
    expect((await wsAdmin.agent.trpc('fields.reorder', { workspaceId: ws.id, entity: 'deal', fieldIds: [core.id, made[0]!.id] }, 'mutation')).error?.data.code).toBe('FORBIDDEN');
    ok(await wsAdmin.agent.trpc('fields.reorder', { workspaceId: ws.id, entity: 'deal', fieldIds: [made[1]!.id] }, 'mutation'));
    expect((await admin().trpc('fields.reorder', { workspaceId: steward.org.chapterWorkspaceId, entity: 'deal', fieldIds: [made[0]!.id] }, 'mutation')).error?.data.code).toBe('NOT_FOUND');
  });

  it('makes a field required and says how many records still lack it', async () => {
    const field = ok(await createField({ label: 'Consent source', type: 'text' }));
    await personWith(steward.org.chapterWorkspaceId, {}, { [field.key]: 'form' });
    await personWith(steward.org.chapterWorkspaceId, {}, {});
    const total = Number((await steward.app.db.selectFrom('contact_workspaces').select((eb) => eb.fn.countAll<string>().as('n')).where('workspace_id', '=', steward.org.chapterWorkspaceId).executeTakeFirstOrThrow()).n);
    const required = ok(await admin().trpc<Field>('fields.update', { fieldId: field.id, required: true }, 'mutation'));
    expect(required.recordsMissingValue).toBe(total - 1);
  });

  it('changes types only where values convert, with a dry run first', async () => {
    const score = ok(await createField({ label: 'Score', type: 'number' }));
    const plan = ok(await createField({ label: 'Plan', type: 'select', options: [{ label: 'Free' }, { label: 'Paid' }] }));
    const source = ok(await createField({ label: 'Source', type: 'text' }));
    const person = await personWith(steward.org.chapterWorkspaceId, {}, { [score.key]: 10.5, [plan.key]: plan.options[1]!.id, [source.key]: 'web' });
    await personWith(steward.org.chapterWorkspaceId, {}, { [source.key]: 'event' });
    await personWith(steward.org.chapterWorkspaceId, {}, { [source.key]: 'somewhere else' });
    await fieldWorkSettled();

    const refused = await admin().trpc('fields.changeType', { fieldId: score.id, type: 'date' }, 'mutation');
    expect(refused.error?.data.code).toBe('BAD_REQUEST');
    expect(refused.error?.message).toContain('A number field cannot become a date field');

    const toText = ok(await admin().trpc<{ recordsWithValue: number; unconvertible: number }>('fields.changeType', { fieldId: score.id, type: 'text' }, 'mutation'));
    expect(toText).toMatchObject({ recordsWithValue: 1, unconvertible: 0 });
    ok(await admin().trpc('fields.changeType', { fieldId: plan.id, type: 'multi_select' }, 'mutation'));

    const mapping = [
      { from: 'web', option: 'Online' },
      { from: 'event', option: 'Offline' },
    ];
    const dry = ok(await admin().trpc<{ dryRun: boolean; recordsWithValue: number; unconvertible: number; field: null }>('fields.changeType', { fieldId: source.id, type: 'select', mapping, dryRun: true }, 'mutation'));
    expect(dry).toMatchObject({ dryRun: true, recordsWithValue: 3, unconvertible: 1, field: null });
    expect((await steward.app.db.selectFrom('field_definitions').select('type').where('id', '=', source.id).executeTakeFirstOrThrow()).type).toBe('text');
    const applied = ok(await admin().trpc<{ field: Field }>('fields.changeType', { fieldId: source.id, type: 'select', mapping }, 'mutation'));
    const online = applied.field.options.find((o) => o.label === 'Online')!;
    await fieldWorkSettled();

    const link = await steward.app.db.selectFrom('contact_workspaces').select('field_values').where('contact_id', '=', person).executeTakeFirstOrThrow();
    expect(link.field_values).toMatchObject({ [score.key]: '10.5', [plan.key]: [plan.options[1]!.id], [source.key]: online.id });
    const unconverted = await steward.app.db.selectFrom('contact_workspaces').select('field_values').where(sql<boolean>`field_values->>${source.key} is null`).where('workspace_id', '=', steward.org.chapterWorkspaceId).execute();
    expect(unconverted.length).toBeGreaterThan(0);
    const statuses = await steward.app.db.selectFrom('field_definitions').select(['key', 'index_status']).where('id', 'in', [score.id, plan.id, source.id]).execute();
    expect(statuses.every((s) => s.index_status === 'ready')).toBe(true);
  });

  it('deletes a field after saying how many records hold a value, and removes the values in the background', async () => {
    const field = ok(await createField({ label: 'Shoe size', type: 'number' }));
    for (let i = 0; i < 4; i++) await personWith(steward.org.chapterWorkspaceId, {}, { [field.key]: 40 + i });
    const preview = ok(await admin().trpc('fields.deletePreview', { fieldId: field.id }));
    expect(preview).toMatchObject({ key: field.key, recordsWithValue: 4 });
    const deleted = ok(await admin().trpc('fields.delete', { fieldId: field.id }, 'mutation'));
    expect(deleted).toMatchObject({ recordsWithValue: 4, valuesRemoval: 'background' });
    await fieldWorkSettled();
    const left = await steward.app.db.selectFrom('contact_workspaces').select('contact_id').where(sql<boolean>`field_values ? ${field.key}`).execute();
    expect(left).toEqual([]);
    expect((await admin().trpc('fields.update', { fieldId: field.id, label: 'Gone' }, 'mutation')).error?.data.code).toBe('NOT_FOUND');
  });

  it('drops the indexes of a deleted workspace’s fields', async () => {
    const ws = ok(await admin().trpc<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: 'Short lived', slug: 'short-lived' }, 'mutation'));
    const field = ok(await admin().trpc<Field>('fields.create', { workspaceId: ws.id, entity: 'contact', label: 'Temporary', type: 'date' }, 'mutation'));
    await fieldWorkSettled();
    expect((await sql`select 1 from pg_indexes where indexname = ${indexNameOf(field.id)}`.execute(steward.app.db)).rows).toHaveLength(1);
    ok(await admin().trpc('workspaces.delete', { workspaceId: ws.id, confirmSlug: 'short-lived' }, 'mutation'));
    await fieldWorkSettled();
    expect((await sql`select 1 from pg_indexes where indexname = ${indexNameOf(field.id)}`.execute(steward.app.db)).rows).toEqual([]);
  });

  it('is on the REST surface: list, create, patch and delete with a bearer key', async () => {
    const created = ok(await admin().trpc<{ key: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'fields' }, 'mutation'));
    const rest = (path: string, init: RequestInit = {}) =>
      fetch(`${steward.app.url}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' } });
    const made = await rest(`/workspaces/${steward.org.chapterWorkspaceId}/fields`, {
      method: 'POST',
      body: JSON.stringify({ entity: 'company', label: 'Industry', type: 'select', scope: 'workspace', options: [{ label: 'Retail' }] }),
    });
    expect(made.status).toBe(200);
    const field = (await made.json()) as Field;
    expect(field).toMatchObject({ key: 'industry', options: [{ label: 'Retail', archived: false }] });
    const listed = (await (await rest(`/workspaces/${steward.org.chapterWorkspaceId}/fields?entity=company`)).json()) as Field[];
    expect(listed.map((f) => f.key)).toContain('industry');
    const patched = await rest(`/fields/${field.id}`, { method: 'PATCH', body: JSON.stringify({ required: true }) });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as Field).required).toBe(true);
    const bad = await rest(`/workspaces/${steward.org.chapterWorkspaceId}/fields`, { method: 'POST', body: JSON.stringify({ entity: 'contact', label: 'X', type: 'colour' }) });
    expect(bad.status).toBe(400);
    expect((await rest(`/fields/${field.id}`, { method: 'DELETE' })).status).toBe(200);
    await fieldWorkSettled();
  });
});
