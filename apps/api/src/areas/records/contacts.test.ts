import { beforeAll, describe, expect, it } from 'vitest';
import { addSignedInMember, insertContacts, seedOrganisation, useStewardApp, type SeededUser } from '@steward/test-kit';
import { sql } from '@steward/db';
import { fieldWorkSettled } from '../fields/storage.js';

const steward = useStewardApp({ workers: false, env: { REST_RATE_LIMIT_PER_MINUTE: '100000' }, organisation: 'Acme' });

interface Field {
  id: string;
  key: string;
  type: string;
  options: { id: string; label: string; archived: boolean }[];
}
interface Contact {
  id: string;
  firstName: string;
  lastName: string;
  email: string | null;
  assigneeUserId: string | null;
  values: Record<string, unknown>;
}
interface Page {
  items: Contact[];
  nextCursor: string | null;
  total: number;
  totalIsEstimate: boolean;
}
type Result<T> = { error: { message: string; data: { code: string } } | null; text: string; data: T; status: number };

const ok = <T>(result: Result<T>) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};
const trpc = <T>(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation', agent = steward.org.admin.agent) => agent.trpc<T>(path, input, kind) as Promise<Result<T>>;

let apiKey: string;
/** A REST call with a bearer key of the organisation admin, answered like a tRPC result. */
async function rest<T>(method: string, path: string, body?: unknown): Promise<Result<T>> {
  const response = await fetch(`${steward.app.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = JSON.parse(text) as T & { message?: string; code?: string };
  return response.ok ? { error: null, text, data: parsed, status: response.status } : { error: { message: parsed.message ?? text, data: { code: parsed.code ?? String(response.status) } }, text, data: parsed, status: response.status };
}

let chapter: string;
const fields: Record<string, Field> = {};

beforeAll(async () => {
  chapter = steward.org.chapterWorkspaceId;
  apiKey = ok(await trpc<{ key: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'records' })).key;
  const make = async (label: string, type: string, scope = 'workspace', extra: Record<string, unknown> = {}) =>
    ok(await trpc<Field>('fields.create', { workspaceId: chapter, entity: 'contact', label, type, scope, ...extra }));
  fields.text = await make('Nickname', 'text');
  fields.number = await make('Donations', 'number');
  fields.date = await make('Joined on', 'date');
  fields.secondary_email = await make('Work email', 'secondary_email');
  fields.url = await make('Website', 'url');
  fields.select = await make('Tier', 'select', 'core', { options: [{ label: 'Gold' }, { label: 'Silver' }, { label: 'Old' }] });
  fields.multi_select = await make('Interests', 'multi_select', 'workspace', { options: [{ label: 'Climate' }, { label: 'Policy' }, { label: 'Outreach' }] });
  fields.boolean = await make('Volunteer', 'boolean');
  const old = fields.select.options[2]!;
  ok(await trpc('fields.update', { fieldId: fields.select.id, options: fields.select.options.map((o) => ({ ...o, archived: o.id === old.id })) }));
  await fieldWorkSettled();
});

const opt = (type: 'select' | 'multi_select', n: number) => fields[type]!.options[n]!.id;

/** Every type with values it must accept (and how they are stored) and values it must refuse. */
const CASES: { type: string; valid: [unknown, unknown][]; invalid: unknown[] }[] = [
  { type: 'text', valid: [['hello', 'hello']], invalid: [42, ['a'], 'x'.repeat(10_001)] },
  { type: 'number', valid: [[42.5, 42.5], [-3, -3]], invalid: ['42', 'abc', true] },
  { type: 'date', valid: [['2024-02-29', '2024-02-29']], invalid: ['2023-02-29', '29/02/2024', '2024-2-3', 20240229] },
  { type: 'secondary_email', valid: [['Alt@Example.org', 'alt@example.org']], invalid: ['not-an-email', 'a@b', 7] },
  { type: 'url', valid: [['https://example.org/a?b=c', 'https://example.org/a?b=c']], invalid: ['example.org', 'javascript:alert(1)', 'ftp://example.org'] },
  { type: 'select', valid: [['$select0', '$select0']], invalid: ['opt_000000000000', '$select2', ['$select0']] },
  { type: 'multi_select', valid: [[['$multi0', '$multi1'], ['$multi0', '$multi1']]], invalid: ['$multi0', ['opt_000000000000'], ['$multi0', '$multi0']] },
  { type: 'boolean', valid: [[true, true], [false, false]], invalid: ['yes', 1, 'true'] },
];

/** `$select0` and friends stand for option ids, known once the fields exist. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (typeof value !== 'string') return value;
  const m = /^\$(select|multi)(\d)$/.exec(value);
  return m ? opt(m[1] === 'select' ? 'select' : 'multi_select', Number(m[2])) : value;
}

let emailCounter = 0;
const email = () => `person${++emailCounter}@example.org`;

/** The write paths: each takes values and answers the stored contact or the error. */
const WRITE_PATHS: Record<string, (values: Record<string, unknown>) => Promise<{ contact?: Contact; error?: string }>> = {
  'tRPC create': async (values) => {
    const r = await trpc<Contact>('contacts.create', { workspaceId: chapter, firstName: 'T', email: email(), values });
    return r.error ? { error: `${r.error.data.code} ${r.error.message}` } : { contact: r.data };
  },
  'tRPC update': async (values) => {
    const created = ok(await trpc<Contact>('contacts.create', { workspaceId: chapter, firstName: 'U', email: email() }));
    const r = await trpc<Contact>('contacts.update', { workspaceId: chapter, contactId: created.id, values });
    return r.error ? { error: `${r.error.data.code} ${r.error.message}` } : { contact: r.data };
  },
  'REST create': async (values) => {
    const r = await rest<Contact>('POST', `/workspaces/${chapter}/contacts`, { firstName: 'R', email: email(), values });
    return r.error ? { error: `${r.status === 400 ? 'BAD_REQUEST' : r.status} ${r.error.message}` } : { contact: r.data };
  },
  'REST patch': async (values) => {
    const created = ok(await rest<Contact>('POST', `/workspaces/${chapter}/contacts`, { firstName: 'P', email: email() }));
    const r = await rest<Contact>('PATCH', `/contacts/${created.id}`, { workspaceId: chapter, values });
    return r.error ? { error: `${r.status === 400 ? 'BAD_REQUEST' : r.status} ${r.error.message}` } : { contact: r.data };
  },
  'tRPC link': async (values) => {
    const address = email();
    ok(await trpc('contacts.create', { workspaceId: steward.org.globalWorkspaceId, firstName: 'L', email: address }));
    const r = await trpc<Contact>('contacts.link', { workspaceId: chapter, email: address, values });
    return r.error ? { error: `${r.error.data.code} ${r.error.message}` } : { contact: r.data };
  },
  bulk: async (values) => {
    const r = ok(await rest<{ results: { status: string; contactId: string; errors: { message: string }[] }[] }>('POST', `/workspaces/${chapter}/contacts/bulk`, { rows: [{ email: email(), values }] }));
    const [row] = r.results;
    if (row!.status === 'error') return { error: `BAD_REQUEST ${row!.errors.map((e) => e.message).join(' ')}` };
    return { contact: ok(await trpc<Contact>('contacts.get', { workspaceId: chapter, contactId: row!.contactId }, 'query')) };
  },
};

describe('custom values on every write path', () => {
  for (const [path, write] of Object.entries(WRITE_PATHS)) {
    describe(path, () => {
      for (const { type, valid, invalid } of CASES) {
        it(`${type}: stores valid values and refuses invalid ones naming the field`, async () => {
          const key = fields[type]!.key;
          for (const [given, stored] of valid) {
            const result = await write({ [key]: resolve(given) });
            expect(result.error, `${JSON.stringify(given)}`).toBeUndefined();
            expect(result.contact!.values[key]).toEqual(resolve(stored));
          }
          for (const given of invalid) {
            const result = await write({ [key]: resolve(given) });
            expect(result.error, `${type} accepted ${JSON.stringify(given)}`).toMatch(/^BAD_REQUEST /);
            expect(result.error).toContain(`(${key})`);
          }
        });
      }

      it('refuses unknown keys and fields of another workspace', async () => {
        const unknown = await write({ no_such_field: 1 });
        expect(unknown.error).toMatch(/^BAD_REQUEST .*no_such_field/);
        const elsewhere = ok(await trpc<Field>('fields.create', { workspaceId: steward.org.globalWorkspaceId, entity: 'contact', label: `Global only ${path}`, type: 'text', scope: 'global_internal' }));
        const refused = await write({ [elsewhere.key]: 'x' });
        expect(refused.error).toMatch(new RegExp(`^BAD_REQUEST .*${elsewhere.key}`));
      });
    });
  }

  it('companies and deals go through the same validator', async () => {
    const size = ok(await trpc<Field>('fields.create', { workspaceId: chapter, entity: 'company', label: 'Employees', type: 'number' }));
    const stage = ok(await trpc<Field>('fields.create', { workspaceId: chapter, entity: 'deal', label: 'Source', type: 'select', options: [{ label: 'Inbound' }] }));
    const company = ok(await trpc<{ id: string; values: Record<string, unknown> }>('companies.create', { workspaceId: chapter, name: 'Acme Ltd', values: { [size.key]: 12 } }));
    expect(company.values).toEqual({ [size.key]: 12 });
    const bad = await trpc('companies.update', { workspaceId: chapter, companyId: company.id, values: { [size.key]: 'twelve' } });
    expect(bad.error?.message).toContain(`Field 'Employees' (${size.key}) expects a number`);
    const deal = ok(await trpc<{ id: string; amount: number; values: Record<string, unknown> }>('deals.create', { workspaceId: chapter, name: 'Grant', amount: 1500.25, currency: 'eur', companyId: company.id, values: { [stage.key]: stage.options[0]!.id } }));
    expect(deal).toMatchObject({ amount: 1500.25, currency: 'EUR', companyId: company.id });
    expect((await trpc('deals.update', { workspaceId: chapter, dealId: deal.id, values: { [stage.key]: 'nope' } })).error?.message).toContain('has no option');
    expect((await trpc('deals.update', { workspaceId: chapter, dealId: deal.id, values: { [size.key]: 1 } })).error?.message).toContain(`no field with the key '${size.key}'`);
  });

  it('applies a required field to every later write, and keeps an archived option a record already holds', async () => {
    const must = ok(await trpc<Field>('fields.create', { workspaceId: chapter, entity: 'contact', label: 'Must have', type: 'text' }));
    const earlier = ok(await trpc<Contact>('contacts.create', { workspaceId: chapter, firstName: 'Before', email: email(), values: { [fields.select!.key]: opt('select', 1) } }));
    ok(await trpc('fields.update', { fieldId: must.id, required: true }));
    const refused = await trpc('contacts.create', { workspaceId: chapter, firstName: 'No', email: email() });
    expect(refused.error?.message).toContain(`Field 'Must have' (${must.key}) is required.`);
    expect((await trpc('contacts.update', { workspaceId: chapter, contactId: earlier.id, lastName: 'Still missing' })).error?.message).toContain('is required');
    ok(await trpc('contacts.update', { workspaceId: chapter, contactId: earlier.id, values: { [must.key]: 'now set' } }));
    expect((await trpc('contacts.update', { workspaceId: chapter, contactId: earlier.id, values: { [must.key]: null } })).error?.message).toContain('is required');
    const bulk = ok(await rest<{ results: { status: string; errors: { field: string }[] }[] }>('POST', `/workspaces/${chapter}/contacts/bulk`, { rows: [{ email: email() }, { email: email(), values: { [must.key]: 'ok' } }] }));
    expect(bulk.results.map((r) => r.status)).toEqual(['error', 'created']);
    expect(bulk.results[0]!.errors[0]!.field).toBe(must.key);
    ok(await trpc('fields.update', { fieldId: must.id, required: false }));

    // The archived option: not chosen anew, but kept on a record that has it.
    await steward.app.db.updateTable('contacts').set({ field_values: JSON.stringify({ [fields.select!.key]: opt('select', 2) }) }).where('id', '=', earlier.id).execute();
    ok(await trpc('contacts.update', { workspaceId: chapter, contactId: earlier.id, values: { [fields.select!.key]: opt('select', 2) }, lastName: 'Kept' }));
    expect((await trpc('contacts.create', { workspaceId: chapter, email: email(), values: { [fields.select!.key]: opt('select', 2) } })).error?.message).toContain("option 'Old' is archived");
  });
});

describe('people linked to workspaces', () => {
  let lyon: string;
  let marseille: string;
  let lyonField: Field;
  let marseilleField: Field;
  let internal: Field;

  beforeAll(async () => {
    lyon = ok(await trpc<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: 'Lyon', slug: 'lyon' })).id;
    marseille = ok(await trpc<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: 'Marseille', slug: 'marseille' })).id;
    lyonField = ok(await trpc<Field>('fields.create', { workspaceId: lyon, entity: 'contact', label: 'Lyon notes', type: 'text' }));
    marseilleField = ok(await trpc<Field>('fields.create', { workspaceId: marseille, entity: 'contact', label: 'Marseille notes', type: 'text' }));
    internal = ok(await trpc<Field>('fields.create', { workspaceId: steward.org.globalWorkspaceId, entity: 'contact', label: 'Board notes', type: 'text', scope: 'global_internal' }));
  });

  it('adding an existing email says the person is known and offers linking, without duplicating or disclosing other workspaces', async () => {
    const first = ok(await trpc<Contact>('contacts.create', { workspaceId: lyon, firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', values: { [lyonField.key]: 'met in Lyon', [fields.select!.key]: opt('select', 0) } }));
    const again = await trpc('contacts.create', { workspaceId: marseille, firstName: 'Ada', email: 'ADA@example.org' });
    expect(again.error?.data.code).toBe('CONFLICT');
    expect(again.error?.message).toContain('already known in your organisation');
    expect(again.error?.message).toContain('Link them');
    expect(again.error?.message).not.toMatch(/lyon/i);
    const sameHere = await trpc('contacts.create', { workspaceId: lyon, email: 'ada@example.org' });
    expect(sameHere.error?.message).toContain('already in this workspace');

    const linked = ok(await trpc<Contact>('contacts.link', { workspaceId: marseille, email: 'ada@example.org', values: { [marseilleField.key]: 'met in Marseille' } }));
    expect(linked.id).toBe(first.id);
    expect(linked.values).toEqual({ [fields.select!.key]: opt('select', 0), [marseilleField.key]: 'met in Marseille' });
    expect(Number((await steward.app.db.selectFrom('contacts').select((eb) => eb.fn.countAll<string>().as('n')).where(sql<string>`lower(email)`, '=', 'ada@example.org').executeTakeFirstOrThrow()).n)).toBe(1);

    // Each chapter sees only its own values, plus the core ones; the global workspace its internal ones.
    const inLyon = ok(await trpc<Contact>('contacts.get', { workspaceId: lyon, contactId: first.id }, 'query'));
    expect(inLyon.values).toEqual({ [fields.select!.key]: opt('select', 0), [lyonField.key]: 'met in Lyon' });
    expect(JSON.stringify(inLyon)).not.toContain('Marseille');
    expect((await trpc('contacts.get', { workspaceId: steward.org.globalWorkspaceId, contactId: first.id }, 'query')).error?.data.code).toBe('NOT_FOUND');
    ok(await trpc('contacts.link', { workspaceId: steward.org.globalWorkspaceId, email: 'ada@example.org', values: { [internal.key]: 'board member' } }));
    const inGlobal = ok(await trpc<Contact>('contacts.get', { workspaceId: steward.org.globalWorkspaceId, contactId: first.id }, 'query'));
    expect(inGlobal.values).toEqual({ [fields.select!.key]: opt('select', 0), [internal.key]: 'board member' });
    const lyonAgain = ok(await trpc<Contact>('contacts.get', { workspaceId: lyon, contactId: first.id }, 'query'));
    expect(lyonAgain.values).not.toHaveProperty(internal.key);
    // A core value changed in one chapter is the person's, so every workspace sees it.
    ok(await trpc('contacts.update', { workspaceId: marseille, contactId: first.id, values: { [fields.select!.key]: opt('select', 1) } }));
    expect(ok(await trpc<Contact>('contacts.get', { workspaceId: lyon, contactId: first.id }, 'query')).values[fields.select!.key]).toBe(opt('select', 1));
    // A workspace field's key cannot be written from another workspace.
    expect((await trpc('contacts.update', { workspaceId: lyon, contactId: first.id, values: { [marseilleField.key]: 'x' } })).error?.data.code).toBe('BAD_REQUEST');
  });

  it('unlinks from one workspace, and deletes everywhere only for those who may change every workspace that knows the person', async () => {
    const lyonAdmin = await addSignedInMember(steward.app, steward.org.organisationId, 'lyon-admin@acme.example', 'member', [{ workspaceId: lyon, role: 'admin' }]);
    const person = ok(await trpc<Contact>('contacts.create', { workspaceId: lyon, firstName: 'Grace', email: 'grace@example.org' }));
    ok(await trpc('contacts.link', { workspaceId: marseille, email: 'grace@example.org' }));
    const refused = await trpc('contacts.delete', { workspaceId: lyon, contactId: person.id }, 'mutation', lyonAdmin.agent);
    expect(refused.error?.data.code).toBe('FORBIDDEN');
    expect(refused.error?.message).not.toMatch(/marseille/i);
    ok(await trpc('contacts.unlink', { workspaceId: lyon, contactId: person.id }, 'mutation', lyonAdmin.agent));
    expect((await trpc('contacts.get', { workspaceId: lyon, contactId: person.id }, 'query')).error?.data.code).toBe('NOT_FOUND');
    expect(ok(await trpc<Contact>('contacts.get', { workspaceId: marseille, contactId: person.id }, 'query')).firstName).toBe('Grace');
    ok(await trpc('contacts.delete', { workspaceId: marseille, contactId: person.id }));
    expect(await steward.app.db.selectFrom('contacts').select('id').where('id', '=', person.id).executeTakeFirst()).toBeUndefined();
    const page = ok(await trpc<Page>('contacts.search', { workspaceId: marseille, filters: [{ field: 'email', op: 'eq', value: 'grace@example.org' }], limit: 10 }, 'query'));
    expect(page.items).toEqual([]);
  });

  it('lets members change what they created or are assigned, and not the rest; viewers change nothing', async () => {
    const member = await addSignedInMember(steward.app, steward.org.organisationId, 'lyon-member@acme.example', 'member', [{ workspaceId: lyon, role: 'member' }]);
    const viewer = await addSignedInMember(steward.app, steward.org.organisationId, 'lyon-viewer@acme.example', 'member', [{ workspaceId: lyon, role: 'viewer' }]);
    const mine = ok(await trpc<Contact>('contacts.create', { workspaceId: lyon, firstName: 'Mine', email: email() }, 'mutation', member.agent));
    const theirs = ok(await trpc<Contact>('contacts.create', { workspaceId: lyon, firstName: 'Theirs', email: email() }));
    ok(await trpc('contacts.update', { workspaceId: lyon, contactId: mine.id, lastName: 'Edited' }, 'mutation', member.agent));
    const denied = await trpc('contacts.update', { workspaceId: lyon, contactId: theirs.id, lastName: 'Nope' }, 'mutation', member.agent);
    expect(denied.error?.data.code).toBe('FORBIDDEN');
    ok(await trpc('contacts.update', { workspaceId: lyon, contactId: theirs.id, assigneeUserId: member.id }));
    ok(await trpc('contacts.update', { workspaceId: lyon, contactId: theirs.id, lastName: 'Assigned now' }, 'mutation', member.agent));
    expect((await trpc('contacts.update', { workspaceId: lyon, contactId: mine.id, lastName: 'X' }, 'mutation', viewer.agent)).error?.data.code).toBe('FORBIDDEN');
    expect(ok(await trpc<Contact>('contacts.get', { workspaceId: lyon, contactId: mine.id }, 'query', viewer.agent)).lastName).toBe('Edited');
    expect((await trpc('contacts.update', { workspaceId: lyon, contactId: mine.id, assigneeUserId: '00000000-0000-4000-8000-000000000000' })).error?.message).toContain('assignee must be a member');
  });

  it('gives org admins and global-role holders a read-only view of every person, with no chapter values', async () => {
    const person = ok(await trpc<Contact>('contacts.create', { workspaceId: lyon, firstName: 'Only', lastName: 'In Lyon', email: 'only-lyon@example.org', values: { [lyonField.key]: 'chapter secret', [fields.select!.key]: opt('select', 0) } }));
    const globalViewer = await addSignedInMember(steward.app, steward.org.organisationId, 'global-viewer@acme.example', 'member', [{ workspaceId: steward.org.globalWorkspaceId, role: 'viewer' }]);
    const search = { workspaceId: steward.org.globalWorkspaceId, allWorkspaces: true, filters: [{ field: 'email', op: 'eq', value: 'only-lyon@example.org' }], limit: 10 };
    const page = ok(await trpc<Page>('contacts.search', search, 'query', globalViewer.agent));
    expect(page.items.map((c) => c.id)).toEqual([person.id]);
    expect(page.items[0]!.values).toEqual({ [fields.select!.key]: opt('select', 0) });
    // Not linked to the global workspace, so its own list does not show them.
    expect(ok(await trpc<Page>('contacts.search', { ...search, allWorkspaces: false }, 'query')).items).toEqual([]);
    const everyone = ok(await trpc<Page>('contacts.search', { workspaceId: steward.org.globalWorkspaceId, allWorkspaces: true, filters: [{ field: internal.key, op: 'notSet' }], limit: 200 }, 'query'));
    expect(everyone.items.map((c) => c.id)).toContain(person.id);
    expect((await trpc('contacts.search', { ...search, workspaceId: lyon }, 'query')).error?.message).toContain('opens from the global workspace');
    const lyonOnly = await addSignedInMember(steward.app, steward.org.organisationId, 'lyon-only@acme.example', 'member', [{ workspaceId: lyon, role: 'admin' }]);
    expect((await trpc('contacts.search', search, 'query', lyonOnly.agent)).error?.data.code).toBe('FORBIDDEN');
    expect((await trpc('contacts.update', { workspaceId: steward.org.globalWorkspaceId, contactId: person.id, firstName: 'X' })).error?.data.code).toBe('NOT_FOUND');
  });

  it('shows another organisation nothing (NOT_FOUND)', async () => {
    const outsider: SeededUser = (await seedOrganisation(steward.app, 'Outsiders')).admin;
    const person = ok(await trpc<Contact>('contacts.create', { workspaceId: lyon, firstName: 'Private', email: email() }));
    for (const [path, input, kind] of [
      ['contacts.get', { workspaceId: lyon, contactId: person.id }, 'query'],
      ['contacts.search', { workspaceId: lyon, filters: [], limit: 5 }, 'query'],
      ['contacts.update', { workspaceId: lyon, contactId: person.id, firstName: 'Stolen' }, 'mutation'],
      ['contacts.delete', { workspaceId: lyon, contactId: person.id }, 'mutation'],
      ['contacts.link', { workspaceId: lyon, email: person.email }, 'mutation'],
      ['fields.list', { workspaceId: lyon }, 'query'],
    ] as const) {
      expect((await trpc(path, input, kind, outsider.agent)).error?.data.code, path).toBe('NOT_FOUND');
    }
    const own = await seedOrganisation(steward.app, 'Outsiders Two');
    expect((await trpc('contacts.get', { workspaceId: own.chapterWorkspaceId, contactId: person.id }, 'query', own.admin.agent)).error?.data.code).toBe('NOT_FOUND');
    expect((await trpc('contacts.link', { workspaceId: own.chapterWorkspaceId, email: person.email }, 'mutation', own.admin.agent)).error?.data.code).toBe('NOT_FOUND');
  });
});

describe('contacts over REST and under races', () => {
  it('reads, unlinks and deletes a contact by id with the workspace as a parameter', async () => {
    const made = ok(await rest<Contact>('POST', `/workspaces/${chapter}/contacts`, { firstName: 'Rest', lastName: 'Person', email: email(), country: 'de', language: 'de' }));
    expect(made).toMatchObject({ firstName: 'Rest', country: 'DE', language: 'de' });
    expect(ok(await rest<Contact>('GET', `/contacts/${made.id}?workspaceId=${chapter}`)).lastName).toBe('Person');
    expect((await rest('PATCH', `/contacts/${made.id}`, { workspaceId: chapter })).status).toBe(400);
    expect(ok(await rest<{ removed: string }>('DELETE', `/contacts/${made.id}?workspaceId=${chapter}`)).removed).toBe('fromWorkspace');
    expect((await rest('GET', `/contacts/${made.id}?workspaceId=${chapter}`)).status).toBe(404);
    const second = ok(await rest<Contact>('POST', `/workspaces/${chapter}/contacts`, { firstName: 'Gone', email: email() }));
    expect(ok(await rest<{ removed: string }>('DELETE', `/contacts/${second.id}/everywhere?workspaceId=${chapter}`)).removed).toBe('everywhere');
    const page = ok(await rest<Page>('GET', `/workspaces/${chapter}/contacts?limit=200`));
    expect(page.items.map((c) => c.id)).not.toContain(second.id);
  });

  it('creates one person when the same email is added twice at once', async () => {
    for (let n = 0; n < 10; n++) {
      const address = `race${n}@example.org`;
      const results = await Promise.all([
        trpc('contacts.create', { workspaceId: chapter, firstName: 'A', email: address }),
        trpc('contacts.create', { workspaceId: steward.org.globalWorkspaceId, firstName: 'B', email: address.toUpperCase() }),
      ]);
      expect(results.filter((r) => r.error === null)).toHaveLength(1);
      expect(results.find((r) => r.error)!.error!.data.code).toBe('CONFLICT');
      const rows = await steward.app.db.selectFrom('contacts').select('id').where(sql<string>`lower(email)`, '=', address).execute();
      expect(rows).toHaveLength(1);
    }
  });
});

describe('bulk upsert', () => {
  it('answers each row: created, updated (matched by email), linked from elsewhere in the organisation, or its errors', async () => {
    const bordeaux = ok(await trpc<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: 'Bordeaux', slug: 'bordeaux' })).id;
    ok(await trpc('contacts.create', { workspaceId: chapter, firstName: 'Known', email: 'known@example.org' }));
    ok(await trpc('contacts.create', { workspaceId: bordeaux, firstName: 'Here', email: 'here@example.org' }));
    const answer = ok(
      await rest<{ results: { row: number; status: string; contactId: string | null; errors: { field: string; message: string }[] }[]; created: number; updated: number; linked: number; failed: number }>(
        'POST',
        `/workspaces/${bordeaux}/contacts/bulk`,
        {
          rows: [
            { email: 'new@example.org', firstName: 'New' },
            { email: 'HERE@example.org', lastName: 'Updated' },
            { email: 'known@example.org', phone: '+33 1 23 45 67 89' },
            { email: 'broken', firstName: 'Bad' },
            { email: 'new@example.org', firstName: 'Twice' },
            { firstName: 'No email', country: 'fr' },
            { firstName: 'Bad country', country: 'XX' },
          ],
        },
      ),
    );
    expect(answer.results.map((r) => r.status)).toEqual(['created', 'updated', 'linked', 'error', 'error', 'created', 'error']);
    expect(answer).toMatchObject({ created: 2, updated: 1, linked: 1, failed: 3 });
    expect(answer.results[3]!.errors[0]!.field).toBe('email');
    expect(answer.results[4]!.errors[0]!.message).toContain('also in row 0');
    expect(answer.results[6]!.errors[0]!.field).toBe('country');
    const here = ok(await trpc<Contact>('contacts.get', { workspaceId: bordeaux, contactId: answer.results[1]!.contactId }, 'query'));
    expect(here).toMatchObject({ firstName: 'Here', lastName: 'Updated' });
    const linked = ok(await trpc<Contact & { phone: string }>('contacts.get', { workspaceId: bordeaux, contactId: answer.results[2]!.contactId }, 'query'));
    expect(linked).toMatchObject({ firstName: 'Known', phone: '+33 1 23 45 67 89' });
    expect(ok(await trpc<Contact & { country: string }>('contacts.get', { workspaceId: bordeaux, contactId: answer.results[5]!.contactId }, 'query')).country).toBe('FR');
    const tooMany = await rest('POST', `/workspaces/${bordeaux}/contacts/bulk`, { rows: Array.from({ length: 1001 }, (_, i) => ({ email: `x${i}@example.org` })) });
    expect(tooMany.status).toBe(400);
  });
});

describe('filters', () => {
  let lille: string;
  let f: Record<string, Field>;
  type Seeded = { id: string; firstName: string; email: string; values: Record<string, unknown> };
  const seeded: Seeded[] = [];

  /** A small deterministic generator, so a failure can be replayed. */
  let seed = 20251125;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;

  beforeAll(async () => {
    lille = ok(await trpc<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: 'Lille', slug: 'lille' })).id;
    const make = async (label: string, type: string, options?: string[]) =>
      ok(await trpc<Field>('fields.create', { workspaceId: lille, entity: 'contact', label, type, options: options?.map((o) => ({ label: o })) }));
    f = {
      amount: await make('Amount', 'number'),
      since: await make('Since', 'date'),
      level: await make('Level', 'select', ['Low', 'Mid', 'High']),
      topics: await make('Topics', 'multi_select', ['A', 'B', 'C', 'D']),
      city: await make('City', 'text'),
      active: await make('Active', 'boolean'),
    };
    await fieldWorkSettled();
    const rows = Array.from({ length: 240 }, (_, i) => {
      const values: Record<string, unknown> = {};
      // Skewed: most rows small amounts, a few large; numbers like 9 and 10 test numeric (not text) order.
      if (random() < 0.85) values[f.amount!.key] = random() < 0.9 ? Math.floor(random() * 20) : Math.floor(random() * 100_000) / 100;
      if (random() < 0.7) values[f.since!.key] = `20${pick(['19', '20', '23', '24'])}-${pick(['01', '02', '09', '10', '12'])}-${pick(['01', '09', '15', '28'])}`;
      if (random() < 0.8) values[f.level!.key] = pick(f.level!.options).id;
      if (random() < 0.75) values[f.topics!.key] = [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(f.topics!.options).id))];
      if (random() < 0.6) values[f.city!.key] = pick(['Lille', 'Roubaix', 'Lens', 'Lille-Sud', '100% Lille']);
      if (random() < 0.5) values[f.active!.key] = random() < 0.5;
      return { email: `filter${i}@example.org`, firstName: pick(['Ann', 'Bob', 'Céline', 'Dan']), values };
    });
    const answer = ok(await rest<{ results: { status: string; contactId: string }[] }>('POST', `/workspaces/${lille}/contacts/bulk`, { rows }));
    answer.results.forEach((r, i) => {
      expect(r.status).toBe('created');
      seeded.push({ id: r.contactId, firstName: rows[i]!.firstName, email: rows[i]!.email, values: rows[i]!.values });
    });
  });

  /** Every page of a search, following cursors; also checks the order is stable and total exact. */
  async function searchAll(filters: unknown[]): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    let total = -1;
    for (let page = 0; page < 20; page++) {
      const result = await trpc<Page>('contacts.search', { workspaceId: lille, filters, limit: 37, cursor }, 'query');
      const data = ok(result);
      total = data.total;
      expect(data.totalIsEstimate).toBe(false);
      ids.push(...data.items.map((c) => c.id));
      if (!data.nextCursor) break;
      cursor = data.nextCursor;
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(total).toBe(ids.length);
    return ids.sort();
  }

  const has = (v: Record<string, unknown>, key: string) => v[key] !== undefined;
  const reference = (predicate: (c: Seeded) => boolean) => seeded.filter(predicate).map((c) => c.id).sort();

  it('matches a reference computed over the seeded set, for every operator', async () => {
    const k = (name: string) => f[name]!.key;
    const [low, mid, high] = f.level!.options.map((o) => o.id) as [string, string, string];
    const [ta, tb, tc] = f.topics!.options.map((o) => o.id) as [string, string, string];
    const num = (c: Seeded) => c.values[k('amount')] as number | undefined;
    const date = (c: Seeded) => c.values[k('since')] as string | undefined;
    const topics = (c: Seeded) => (c.values[k('topics')] as string[] | undefined) ?? [];
    const cases: [unknown[], (c: Seeded) => boolean][] = [
      [[{ field: k('amount'), op: 'gt', value: 9 }], (c) => num(c) !== undefined && num(c)! > 9],
      [[{ field: k('amount'), op: 'lte', value: 10 }], (c) => num(c) !== undefined && num(c)! <= 10],
      [[{ field: k('amount'), op: 'eq', value: 10 }], (c) => num(c) === 10],
      [[{ field: k('amount'), op: 'between', value: [5, 15.5] }], (c) => num(c) !== undefined && num(c)! >= 5 && num(c)! <= 15.5],
      [[{ field: k('amount'), op: 'notSet' }], (c) => num(c) === undefined],
      [[{ field: k('since'), op: 'gte', value: '2023-09-15' }], (c) => date(c) !== undefined && date(c)! >= '2023-09-15'],
      [[{ field: k('since'), op: 'lt', value: '2020-02-01' }], (c) => date(c) !== undefined && date(c)! < '2020-02-01'],
      [[{ field: k('since'), op: 'between', value: ['2020-01-01', '2023-12-31'] }], (c) => date(c) !== undefined && date(c)! >= '2020-01-01' && date(c)! <= '2023-12-31'],
      [[{ field: k('level'), op: 'eq', value: mid }], (c) => c.values[k('level')] === mid],
      [[{ field: k('level'), op: 'anyOf', value: [low, high] }], (c) => [low, high].includes(c.values[k('level')] as string)],
      [[{ field: k('level'), op: 'set' }], (c) => has(c.values, k('level'))],
      [[{ field: k('topics'), op: 'anyOf', value: [ta, tc] }], (c) => topics(c).some((t) => t === ta || t === tc)],
      [[{ field: k('topics'), op: 'allOf', value: [ta, tb] }], (c) => topics(c).includes(ta) && topics(c).includes(tb)],
      [[{ field: k('city'), op: 'contains', value: 'lille' }], (c) => ((c.values[k('city')] as string | undefined) ?? '').toLowerCase().includes('lille')],
      [[{ field: k('city'), op: 'contains', value: '100%' }], (c) => ((c.values[k('city')] as string | undefined) ?? '').includes('100%')],
      [[{ field: k('city'), op: 'eq', value: 'Lens' }], (c) => c.values[k('city')] === 'Lens'],
      [[{ field: k('active'), op: 'eq', value: false }], (c) => c.values[k('active')] === false],
      [[{ field: k('active'), op: 'notSet' }], (c) => !has(c.values, k('active'))],
      [[{ field: 'firstName', op: 'eq', value: 'Céline' }], (c) => c.firstName === 'Céline'],
      [[{ field: 'email', op: 'contains', value: 'filter1' }], (c) => c.email.includes('filter1')],
      [
        [
          { field: k('level'), op: 'anyOf', value: [mid, high] },
          { field: k('amount'), op: 'between', value: [2, 12] },
          { field: 'firstName', op: 'anyOf', value: ['Ann', 'Bob'] },
        ],
        (c) => [mid, high].includes(c.values[k('level')] as string) && num(c) !== undefined && num(c)! >= 2 && num(c)! <= 12 && ['Ann', 'Bob'].includes(c.firstName),
      ],
    ];
    for (const [filters, predicate] of cases) {
      const expected = reference(predicate);
      expect(await searchAll(filters), JSON.stringify(filters)).toEqual(expected);
    }
    expect(await searchAll([])).toEqual(reference(() => true));
  });

  it('answers a filter of the wrong type with a 400 naming the field, never a 500', async () => {
    const k = (name: string) => f[name]!.key;
    const wrong: [unknown, string][] = [
      [{ field: k('amount'), op: 'gt', value: 'abc' }, 'needs a number'],
      [{ field: k('amount'), op: 'gt', value: '10' }, 'needs a number'],
      [{ field: k('amount'), op: 'contains', value: '1' }, "'contains' does not apply"],
      [{ field: k('amount'), op: 'between', value: [1] }, 'needs two values'],
      [{ field: k('amount'), op: 'between', value: [9, 1] }, 'smaller value first'],
      [{ field: k('since'), op: 'gt', value: '2024-13-01' }, 'needs a date'],
      [{ field: k('level'), op: 'gt', value: 1 }, "'gt' does not apply"],
      [{ field: k('level'), op: 'eq', value: 'opt_nope' }, 'no option'],
      [{ field: k('topics'), op: 'allOf', value: [] }, 'list of 1 to 100'],
      [{ field: k('active'), op: 'eq', value: 'yes' }, 'true or false'],
      [{ field: 'assigneeUserId', op: 'eq', value: 'not-a-uuid' }, 'needs a user id'],
      [{ field: 'nope', op: 'eq', value: 1 }, 'no such field'],
    ];
    for (const [filter, message] of wrong) {
      const trpcResult = await trpc('contacts.search', { workspaceId: lille, filters: [filter], limit: 5 }, 'query');
      expect(trpcResult.error?.data.code, JSON.stringify(filter)).toBe('BAD_REQUEST');
      expect(trpcResult.error?.message).toContain(message);
      const restResult = await rest('POST', `/workspaces/${lille}/contacts/search`, { filters: [filter], limit: 5 });
      expect(restResult.status, JSON.stringify(filter)).toBe(400);
    }
    expect((await rest('POST', `/workspaces/${lille}/contacts/search`, { filters: [], limit: 5, cursor: 'garbage' })).status).toBe(400);
  });

  it('uses the per-field index for a custom filter', async () => {
    await sql`analyze contact_workspaces`.execute(steward.app.db);
    const key = f.amount!.key;
    const plan = await steward.app.db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      return sql<{ 'QUERY PLAN': string }>`
        explain select contact_id from contact_workspaces cw
        where cw.workspace_id = ${lille}::uuid and ((cw.field_values->>${sql.lit(key)})::numeric) > 100`.execute(trx);
    });
    expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain(`fv_${f.amount!.id.replace(/-/g, '')}`);
  });

  it('says when a total above 10,000 is an estimate', async () => {
    const big = ok(await trpc<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: 'Big', slug: 'big' })).id;
    await insertContacts(steward.app.db, steward.org.organisationId, big, 10_050);
    await sql`analyze contact_workspaces`.execute(steward.app.db);
    const page = ok(await rest<Page>('POST', `/workspaces/${big}/contacts/search`, { filters: [], limit: 10 }));
    expect(page.items).toHaveLength(10);
    expect(page.totalIsEstimate).toBe(true);
    expect(page.total).toBeGreaterThan(10_000);
    const few = ok(await rest<Page>('POST', `/workspaces/${big}/contacts/search`, { filters: [{ field: 'lastName', op: 'eq', value: 'No. 7' }], limit: 10 }));
    expect(few).toMatchObject({ total: 1, totalIsEstimate: false });
  });
});
