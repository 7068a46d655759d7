import { beforeAll, describe, expect, it } from 'vitest';
import { addSignedInMember, seedOrganisation, useStewardApp, type SeededUser } from '@steward/test-kit';
import { fieldWorkSettled, resumeFieldIndexes } from '../fields/storage.js';

const steward = useStewardApp({ workers: false, env: { REST_RATE_LIMIT_PER_MINUTE: '100000' }, organisation: 'Acme' });

type Result<T> = { error: { message: string; data: { code: string } } | null; text: string; data: T };
const ok = <T>(result: Result<T>) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};
const call = <T>(who: SeededUser, path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') => who.agent.trpc<T>(path, input, kind) as Promise<Result<T>>;

interface Company {
  id: string;
  name: string;
  domain: string | null;
  values: Record<string, unknown>;
}
interface Deal {
  id: string;
  name: string;
  amount: number | null;
  currency: string | null;
  companyId: string | null;
  ownerUserId: string | null;
}

let admin: SeededUser;
let member: SeededUser;
let viewer: SeededUser;
let ws: string;

beforeAll(async () => {
  admin = steward.org.admin;
  ws = steward.org.chapterWorkspaceId;
  member = await addSignedInMember(steward.app, steward.org.organisationId, 'member@acme.example', 'member', [{ workspaceId: ws, role: 'member' }]);
  viewer = await addSignedInMember(steward.app, steward.org.organisationId, 'viewer@acme.example', 'member', [{ workspaceId: ws, role: 'viewer' }]);
});

describe('companies', () => {
  it('creates, pages, patches and deletes, with members limited to their own', async () => {
    const sector = ok(await call<{ key: string; options: { id: string }[] }>(admin, 'fields.create', { workspaceId: ws, entity: 'company', label: 'Sector', type: 'select', options: [{ label: 'NGO' }, { label: 'Media' }] }));
    const names = Array.from({ length: 7 }, (_, i) => `Company ${i}`);
    for (const name of names) ok(await call(admin, 'companies.create', { workspaceId: ws, name, values: { [sector.key]: sector.options[0]!.id } }));
    const mine = ok(await call<Company>(member, 'companies.create', { workspaceId: ws, name: 'Mine Ltd', domain: 'Mine.Example' }));
    expect(mine.domain).toBe('mine.example');

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = ok(await call<{ items: Company[]; nextCursor: string | null }>(viewer, 'companies.list', { workspaceId: ws, limit: 3, cursor }, 'query'));
      seen.push(...page.items.map((c) => c.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['Mine Ltd', ...[...names].reverse()]);

    const patched = ok(await call<Company>(member, 'companies.update', { workspaceId: ws, companyId: mine.id, values: { [sector.key]: sector.options[1]!.id } }));
    expect(patched).toMatchObject({ name: 'Mine Ltd', domain: 'mine.example', values: { [sector.key]: sector.options[1]!.id } });
    const cleared = ok(await call<Company>(member, 'companies.update', { workspaceId: ws, companyId: mine.id, domain: null, values: { [sector.key]: null } }));
    expect(cleared).toMatchObject({ domain: null, values: {} });
    const someoneElses = (await call<{ items: Company[] }>(admin, 'companies.list', { workspaceId: ws }, 'query')).data.items.find((c) => c.name === 'Company 0')!;
    expect((await call(member, 'companies.update', { workspaceId: ws, companyId: someoneElses.id, name: 'Taken' })).error?.data.code).toBe('FORBIDDEN');
    expect((await call(member, 'companies.delete', { workspaceId: ws, companyId: someoneElses.id })).error?.data.code).toBe('FORBIDDEN');
    expect((await call(viewer, 'companies.create', { workspaceId: ws, name: 'Viewer Ltd' })).error?.data.code).toBe('FORBIDDEN');
    expect((await call(member, 'companies.create', { workspaceId: ws, name: 'Bad', domain: 'not a domain' })).error?.data.code).toBe('BAD_REQUEST');
    ok(await call(member, 'companies.delete', { workspaceId: ws, companyId: mine.id }));
    expect((await call(admin, 'companies.get', { workspaceId: ws, companyId: mine.id }, 'query')).error?.data.code).toBe('NOT_FOUND');
    // A company is its workspace's: another workspace of the same organisation does not find it.
    expect((await call(admin, 'companies.get', { workspaceId: steward.org.globalWorkspaceId, companyId: someoneElses.id }, 'query')).error?.data.code).toBe('NOT_FOUND');
  });
});

describe('deals', () => {
  it('keeps amounts exact, checks the company and owner, and lets the owner edit', async () => {
    const company = ok(await call<Company>(admin, 'companies.create', { workspaceId: ws, name: 'Buyer Ltd' }));
    const elsewhere = ok(await call<Company>(admin, 'companies.create', { workspaceId: steward.org.globalWorkspaceId, name: 'Global Ltd' }));
    const deal = ok(await call<Deal>(admin, 'deals.create', { workspaceId: ws, name: 'Renewal', amount: 12345.67, currency: 'usd', companyId: company.id, ownerUserId: member.id }));
    expect(deal).toMatchObject({ amount: 12345.67, currency: 'USD', companyId: company.id, ownerUserId: member.id });
    ok(await call(member, 'deals.update', { workspaceId: ws, dealId: deal.id, amount: 0.1 }));
    expect(ok(await call<Deal>(viewer, 'deals.get', { workspaceId: ws, dealId: deal.id }, 'query')).amount).toBe(0.1);
    expect((await call(admin, 'deals.update', { workspaceId: ws, dealId: deal.id, companyId: elsewhere.id })).error?.message).toContain('one of this workspace');
    expect((await call(admin, 'deals.update', { workspaceId: ws, dealId: deal.id, ownerUserId: '00000000-0000-4000-8000-000000000000' })).error?.message).toContain('owner must be a member');
    expect((await call(admin, 'deals.create', { workspaceId: ws, name: 'Bad', currency: 'euro' })).error?.data.code).toBe('BAD_REQUEST');
    expect((await call(admin, 'deals.update', { workspaceId: ws, dealId: deal.id })).error?.message).toContain('Change at least one');
    const other = ok(await call<Deal>(admin, 'deals.create', { workspaceId: ws, name: 'Not theirs' }));
    expect((await call(member, 'deals.delete', { workspaceId: ws, dealId: other.id })).error?.data.code).toBe('FORBIDDEN');
    ok(await call(member, 'deals.delete', { workspaceId: ws, dealId: deal.id }));
  });

  it('shows another organisation nothing', async () => {
    const deal = ok(await call<Deal>(admin, 'deals.create', { workspaceId: ws, name: 'Secret' }));
    const company = ok(await call<Company>(admin, 'companies.create', { workspaceId: ws, name: 'Secret Ltd' }));
    const outsider = await seedOrganisation(steward.app, 'Outsiders');
    for (const [path, input, kind] of [
      ['deals.get', { workspaceId: ws, dealId: deal.id }, 'query'],
      ['deals.list', { workspaceId: ws }, 'query'],
      ['deals.update', { workspaceId: ws, dealId: deal.id, name: 'Mine' }, 'mutation'],
      ['companies.get', { workspaceId: ws, companyId: company.id }, 'query'],
      ['companies.delete', { workspaceId: ws, companyId: company.id }, 'mutation'],
    ] as const) {
      expect((await call(outsider.admin, path, input, kind)).error?.data.code, path).toBe('NOT_FOUND');
    }
    expect((await call(outsider.admin, 'deals.get', { workspaceId: outsider.chapterWorkspaceId, dealId: deal.id }, 'query')).error?.data.code).toBe('NOT_FOUND');
  });

  it('is on the REST surface', async () => {
    const { key } = ok(await call<{ key: string }>(admin, 'apiKeys.create', { organisationId: steward.org.organisationId, name: 'deals', scope: 'read_write' }));
    const rest = (method: string, path: string, body?: unknown) =>
      fetch(`${steward.app.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const created = await rest('POST', `/workspaces/${ws}/deals`, { name: 'Via REST', amount: 10 });
    expect(created.status).toBe(200);
    const deal = (await created.json()) as Deal;
    expect((await rest('GET', `/deals/${deal.id}?workspaceId=${ws}`)).status).toBe(200);
    expect((await rest('PATCH', `/deals/${deal.id}`, { workspaceId: ws, amount: 'ten' })).status).toBe(400);
    expect((await rest('DELETE', `/deals/${deal.id}?workspaceId=${ws}`)).status).toBe(200);
    expect((await rest('GET', `/workspaces/${ws}/companies?limit=2`)).status).toBe(200);
    // A read_write key cannot manage fields (workspace settings).
    expect((await rest('POST', `/workspaces/${ws}/fields`, { entity: 'deal', label: 'X', type: 'text' })).status).toBe(403);
  });
});

describe('field indexes after a restart', () => {
  it('builds the indexes left unbuilt', async () => {
    const field = ok(await call<{ id: string }>(admin, 'fields.create', { workspaceId: ws, entity: 'deal', label: 'Probability', type: 'number' }));
    await fieldWorkSettled();
    await steward.app.db.updateTable('field_definitions').set({ index_status: 'failed' }).where('id', '=', field.id).execute();
    expect(await resumeFieldIndexes(steward.app.db, { debug() {}, info() {}, warn() {}, error() {} })).toBe(1);
    await fieldWorkSettled();
    expect((await steward.app.db.selectFrom('field_definitions').select('index_status').where('id', '=', field.id).executeTakeFirstOrThrow()).index_status).toBe('ready');
  });
});

describe('company and deal filters', () => {
  it('match a reference over a seeded set, built-ins and custom fields alike', async () => {
    const lens = ok(await call<{ id: string }>(admin, 'workspaces.create', { organisationId: steward.org.organisationId, name: 'Lens', slug: 'lens' })).id;
    const size = ok(await call<{ key: string }>(admin, 'fields.create', { workspaceId: lens, entity: 'company', label: 'Size', type: 'number' }));
    const closes = ok(await call<{ key: string }>(admin, 'fields.create', { workspaceId: lens, entity: 'deal', label: 'Closes on', type: 'date' }));
    await fieldWorkSettled();
    const companies: { id: string; name: string; size?: number }[] = [];
    for (let i = 0; i < 30; i++) {
      const values = i % 4 === 0 ? {} : { [size.key]: (i * 7) % 23 };
      const c = ok(await call<Company>(admin, 'companies.create', { workspaceId: lens, name: `Firm ${i % 3 === 0 ? 'North' : 'South'} ${i}`, values }));
      companies.push({ id: c.id, name: c.name, size: values[size.key] });
    }
    const deals: { id: string; amount: number | null; companyId: string; closes?: string }[] = [];
    for (let i = 0; i < 30; i++) {
      const amount = i % 5 === 0 ? null : i * 1.5;
      const closesOn = i % 2 === 0 ? `2025-0${1 + (i % 9)}-1${i % 10}` : undefined;
      const d = ok(await call<Deal>(admin, 'deals.create', { workspaceId: lens, name: `Deal ${i}`, amount, companyId: companies[i % 4]!.id, values: closesOn ? { [closes.key]: closesOn } : {} }));
      deals.push({ id: d.id, amount, companyId: companies[i % 4]!.id, closes: closesOn });
    }
    const all = async (path: string, filters: unknown[]) => {
      const page = ok(await call<{ items: { id: string }[]; total: number; totalIsEstimate: boolean }>(admin, path, { workspaceId: lens, filters, limit: 200 }, 'query'));
      expect(page).toMatchObject({ total: page.items.length, totalIsEstimate: false });
      return page.items.map((r) => r.id).sort();
    };
    const ids = <T extends { id: string }>(rows: T[], keep: (r: T) => boolean) => rows.filter(keep).map((r) => r.id).sort();

    expect(await all('companies.search', [{ field: size.key, op: 'gte', value: 9 }])).toEqual(ids(companies, (c) => c.size !== undefined && c.size >= 9));
    expect(await all('companies.search', [{ field: size.key, op: 'notSet' }])).toEqual(ids(companies, (c) => c.size === undefined));
    expect(await all('companies.search', [{ field: 'name', op: 'contains', value: 'north' }, { field: size.key, op: 'lt', value: 10 }])).toEqual(
      ids(companies, (c) => c.name.includes('North') && c.size !== undefined && c.size < 10),
    );
    expect(await all('deals.search', [{ field: 'amount', op: 'between', value: [9, 30] }])).toEqual(ids(deals, (d) => d.amount !== null && d.amount >= 9 && d.amount <= 30));
    expect(await all('deals.search', [{ field: 'amount', op: 'notSet' }])).toEqual(ids(deals, (d) => d.amount === null));
    expect(await all('deals.search', [{ field: 'companyId', op: 'eq', value: companies[1]!.id }, { field: closes.key, op: 'gt', value: '2025-03-01' }])).toEqual(
      ids(deals, (d) => d.companyId === companies[1]!.id && d.closes !== undefined && d.closes > '2025-03-01'),
    );
    const wrong = await call(admin, 'deals.search', { workspaceId: lens, filters: [{ field: 'amount', op: 'gt', value: 'lots' }] }, 'query');
    expect(wrong.error?.data.code).toBe('BAD_REQUEST');
    expect(wrong.error?.message).toContain("Filter on 'amount': gt needs a number");
  });
});
