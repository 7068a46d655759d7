import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { sql } from '@steward/db';
import { addSignedInMember, type HttpAgent, type SeededUser, useStewardApp } from '@steward/test-kit';
import { fieldWorkSettled } from '../../fields/storage.js';

const steward = useStewardApp({ organisation: 'Acme', env: { REST_RATE_LIMIT_PER_MINUTE: '100000' } });

interface Field {
  id: string;
  key: string;
  label: string;
  options: { id: string; label: string; archived: boolean }[];
}
interface ImportStatus {
  id: string;
  state: string;
  failureReason: string | null;
  totalRows: number;
  processedRows: number;
  created: number;
  updated: number;
  linked: number;
  rejected: number;
  rejectedRowsUrl: string | null;
}
type Target = { builtIn: string } | { field: string } | null;
type Result<T> = { error: { message: string; data: { code: string } } | null; text: string; data: T; status: number };

const ok = <T>(result: Result<T>) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};
const trpc = <T>(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation', agent = steward.org.admin.agent) => agent.trpc<T>(path, input, kind) as Promise<Result<T>>;

async function upload(csv: string | Buffer, options: { agent?: HttpAgent; workspaceId?: string; fileName?: string; headers?: Record<string, string> } = {}) {
  const query = new URLSearchParams({ workspaceId: options.workspaceId ?? chapter, fileName: options.fileName ?? 'people.csv' });
  const response = await (options.agent ?? steward.org.admin.agent).request(`/files/contact-imports?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', ...options.headers },
    body: typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv,
  });
  const body = (await response.json()) as { import: ImportStatus; headers: string[]; delimiter: string; error?: { code: string; message: string } };
  return { status: response.status, body };
}

async function uploaded(csv: string, options: Parameters<typeof upload>[1] = {}) {
  const { status, body } = await upload(csv, options);
  expect(status, JSON.stringify(body)).toBe(201);
  return body.import.id;
}

async function finished(importId: string, workspaceId = chapter, agent = steward.org.admin.agent): Promise<ImportStatus> {
  for (let i = 0; i < 200; i++) {
    const status = ok(await trpc<ImportStatus>('contacts.imports.get', { workspaceId, importId }, 'query', agent));
    if (['completed', 'failed', 'cancelled'].includes(status.state)) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Import ${importId} did not finish`);
}

async function report(importId: string, agent = steward.org.admin.agent) {
  const response = await agent.request(`/files/contact-imports/${importId}/rejected-rows.csv`);
  const text = await response.text();
  return { status: response.status, text, rows: response.ok ? (parse(text, { bom: true }) as string[][]) : [] };
}

let chapter: string;
const fields: Record<string, Field> = {};
let member: SeededUser;
let viewer: SeededUser;

beforeAll(async () => {
  chapter = steward.org.chapterWorkspaceId;
  const make = async (label: string, type: string, extra: Record<string, unknown> = {}) =>
    ok(await trpc<Field>('fields.create', { workspaceId: chapter, entity: 'contact', label, type, scope: 'workspace', ...extra }));
  fields.tier = await make('Tier', 'select', { options: [{ label: 'Bronze' }, { label: 'Silver' }, { label: 'Gold' }] });
  fields.donations = await make('Donations', 'number');
  fields.since = await make('Member since', 'date');
  fields.newsletter = await make('Newsletter', 'boolean');
  fields.interests = await make('Interests', 'multi_select', { options: [{ label: 'Climate' }, { label: 'Policy' }] });
  await fieldWorkSettled();
  member = await addSignedInMember(steward.app, steward.org.organisationId, 'member@acme.example', 'member', [{ workspaceId: chapter, role: 'member' }]);
  viewer = await addSignedInMember(steward.app, steward.org.organisationId, 'viewer@acme.example', 'member', [{ workspaceId: chapter, role: 'viewer' }]);
});

const contactsInChapter = async () =>
  Number((await sql<{ n: number }>`select count(*)::int as n from contact_workspaces where workspace_id = ${chapter}::uuid`.execute(steward.db)).rows[0]!.n);

describe('uploading and mapping', () => {
  it('detects the delimiter, the header and a byte order mark, and guesses the mapping', async () => {
    const csv = '\uFEFFE-mail;First name;Last name;Tier;Notes\r\nada@example.org;Ada;Lovelace;Gold;"Says ""hi""; often"\r\ngrace@example.org;Grace;Hopper;Silver;\r\n';
    const { status, body } = await upload(csv);
    expect(status).toBe(201);
    expect(body.import).toMatchObject({ state: 'uploaded', totalRows: 2, processedRows: 0 });
    const inspected = ok(
      await trpc<{ delimiter: string; headers: string[]; rows: string[][]; suggestedMapping: Target[]; targets: { label: string }[] }>('contacts.imports.inspect', { workspaceId: chapter, importId: body.import.id }, 'query'),
    );
    expect(inspected.delimiter).toBe(';');
    expect(inspected.headers).toEqual(['E-mail', 'First name', 'Last name', 'Tier', 'Notes']);
    expect(inspected.rows[0]).toEqual(['ada@example.org', 'Ada', 'Lovelace', 'Gold', 'Says "hi"; often']);
    expect(inspected.suggestedMapping).toEqual([{ builtIn: 'email' }, { builtIn: 'firstName' }, { builtIn: 'lastName' }, { field: fields.tier!.key }, null]);
    expect(inspected.targets.map((t) => t.label)).toEqual(expect.arrayContaining(['Email', 'Tier', 'Donations']));
  });

  it('reads tab-separated files', async () => {
    const importId = await uploaded('email\tfirst name\nt@example.org\tTab\n');
    const inspected = ok(await trpc<{ delimiter: string; headers: string[] }>('contacts.imports.inspect', { workspaceId: chapter, importId }, 'query'));
    expect(inspected).toMatchObject({ delimiter: '\t', headers: ['email', 'first name'] });
  });

  it('previews the first rows as the import will write them, with each problem naming its field and column, and writes nothing', async () => {
    ok(await trpc('contacts.create', { workspaceId: chapter, firstName: 'Known', email: 'known@example.org' }));
    const before = await contactsInChapter();
    const csv = [
      'Email,Country,Level,Gifts,Since,News',
      'new@example.org,FR,Gold,12.5,2024-01-31,yes',
      'known@example.org,DE,Silver,,,no',
      'not-an-email,FR,Gold,1,2024-01-01,yes',
      'third@example.org,FR,Platinum,lots,31/01/2024,maybe',
      'fourth@example.org,Narnia,Gold,1,2024-01-01,yes',
      'new@example.org,FR,Gold,1,2024-01-01,yes',
      'short@example.org,FR',
    ].join('\n');
    const importId = await uploaded(csv);
    const mapping: Target[] = [{ builtIn: 'email' }, { builtIn: 'country' }, { field: fields.tier!.key }, { field: fields.donations!.key }, { field: fields.since!.key }, { field: fields.newsletter!.key }];
    const { rows } = ok(await trpc<{ rows: { rowNumber: number; status: string; errors: { column: number | null; field: string; message: string }[] }[] }>('contacts.imports.preview', { workspaceId: chapter, importId, mapping }, 'query'));
    expect(rows.map((r) => [r.rowNumber, r.status])).toEqual([
      [2, 'created'],
      [3, 'updated'],
      [4, 'error'],
      [5, 'error'],
      [6, 'error'],
      [7, 'error'],
      [8, 'error'],
    ]);
    expect(rows[2]!.errors).toEqual([{ column: 0, field: 'email', message: 'Enter a valid email address.' }]);
    const third = rows[3]!.errors;
    expect(third.map((e) => [e.field, e.column])).toEqual([
      [fields.tier!.key, 2],
      [fields.donations!.key, 3],
      [fields.since!.key, 4],
      [fields.newsletter!.key, 5],
    ]);
    expect(third[0]!.message).toMatch(/'Tier'.*"Platinum".*Use one of: Bronze, Silver, Gold/);
    expect(third[1]!.message).toMatch(/'Donations'.*expects a number, got "lots"/);
    expect(third[2]!.message).toMatch(/'Member since'.*YYYY-MM-DD/);
    expect(third[3]!.message).toMatch(/'Newsletter'.*true or false/);
    expect(rows[4]!.errors).toEqual([{ column: 1, field: 'country', message: expect.stringMatching(/ISO 3166-1 alpha-2/) }]);
    expect(rows[5]!.errors[0]!.message).toMatch(/also in row 2/);
    expect(rows[6]!.errors[0]!.message).toBe('The row has 2 cells; the header has 6.');
    expect(await contactsInChapter()).toBe(before);
  });

  it('checks required fields in the preview, as every write does', async () => {
    const workspace = (await steward.db.insertInto('workspaces').values({ organisation_id: steward.org.organisationId, kind: 'chapter', name: 'Strict', slug: 'strict' }).returning('id').executeTakeFirstOrThrow()).id;
    const required = ok(await trpc<Field>('fields.create', { workspaceId: workspace, entity: 'contact', label: 'Member number', type: 'number', scope: 'workspace', required: true }));
    const importId = await uploaded('email,number\na@example.org,7\nb@example.org,\n', { workspaceId: workspace });
    const { rows } = ok(
      await trpc<{ rows: { status: string; errors: { field: string; message: string }[] }[] }>('contacts.imports.preview', { workspaceId: workspace, importId, mapping: [{ builtIn: 'email' }, { field: required.key }] }, 'query'),
    );
    expect(rows.map((r) => r.status)).toEqual(['created', 'error']);
    expect(rows[1]!.errors).toEqual([{ column: 1, field: required.key, message: expect.stringMatching(/'Member number'.*is required/) }]);
  });

  it('refuses a mapping of the wrong length, a target twice, a field not visible here and an unknown built-in', async () => {
    const importId = await uploaded('email,name\nm@example.org,M\n');
    const other = (await steward.db.insertInto('workspaces').values({ organisation_id: steward.org.organisationId, kind: 'chapter', name: 'Other', slug: 'other-chapter' }).returning('id').executeTakeFirstOrThrow()).id;
    const elsewhere = ok(await trpc<Field>('fields.create', { workspaceId: other, entity: 'contact', label: 'Elsewhere', type: 'text', scope: 'workspace' }));
    const attempt = (mapping: unknown) => trpc('contacts.imports.start', { workspaceId: chapter, importId, mapping });
    const wrongLength = await attempt([{ builtIn: 'email' }]);
    expect(wrongLength.error?.message).toMatch(/1 entries but the file has 2 columns/);
    const twice = await attempt([{ builtIn: 'email' }, { builtIn: 'email' }]);
    expect(twice.error?.message).toMatch(/Columns "email" and "name" are both mapped to Email/);
    const invisible = await attempt([{ builtIn: 'email' }, { field: elsewhere.key }]);
    expect(invisible.error).toMatchObject({ data: { code: 'BAD_REQUEST' } });
    expect(invisible.error?.message).toMatch(new RegExp(`Column "name" is mapped to the field '${elsewhere.key}', which contacts do not have in this workspace`));
    const unknown = await attempt([{ builtIn: 'email' }, { builtIn: 'nickname' }]);
    expect(unknown.status).toBe(400);
    const nothing = await attempt([null, null]);
    expect(nothing.error?.message).toMatch(/Map at least one column/);
    expect(ok(await trpc<ImportStatus>('contacts.imports.get', { workspaceId: chapter, importId }, 'query')).state).toBe('uploaded');
  });
});

describe('running an import', () => {
  const ROWS = 2_600;
  const tiers = ['Bronze', 'Silver', 'Gold'];
  const emailOf = (i: number) => `person-${i}@import.example`;
  /** Row i is refused when its country (every 7th), tier (11th) or donation (13th) is wrong. */
  const rejectedRow = (i: number) => i % 7 === 0 || i % 11 === 0 || i % 13 === 0;
  const cellsOf = (i: number) => [
    emailOf(i),
    `First ${i}`,
    i % 7 === 0 ? 'Narnia' : 'fr',
    i % 11 === 0 ? 'Platinum' : tiers[i % 3]!,
    i % 13 === 0 ? 'lots' : String(i * 1.5),
    i % 2 ? 'yes' : 'no',
    i % 5 === 0 ? 'Climate; Policy' : '',
    `note ${i}, with a comma`,
  ];
  const csvOf = (from: number, to: number) => {
    const lines = ['Email,First name,Country,Tier,Donations,Newsletter,Interests,Notes'];
    for (let i = from; i <= to; i++) lines.push(cellsOf(i).map((c) => (c.includes(',') ? `"${c}"` : c)).join(','));
    return `${lines.join('\r\n')}\r\n`;
  };
  const mapping = (): Target[] => [
    { builtIn: 'email' },
    { builtIn: 'firstName' },
    { builtIn: 'country' },
    { field: fields.tier!.key },
    { field: fields.donations!.key },
    { field: fields.newsletter!.key },
    { field: fields.interests!.key },
    null,
  ];
  // People already known: 1–30 in this workspace (updated), 31–40 only in the global workspace (linked).
  const inChapter = (i: number) => i <= 30;
  const elsewhere = (i: number) => i > 30 && i <= 40;

  let importId: string;
  let status: ImportStatus;

  beforeAll(async () => {
    for (let i = 1; i <= 40; i++) {
      ok(await trpc('contacts.create', { workspaceId: inChapter(i) ? chapter : steward.org.globalWorkspaceId, firstName: 'Before', email: emailOf(i) }));
    }
    importId = await uploaded(csvOf(1, ROWS));
    const started = ok(await trpc<ImportStatus>('contacts.imports.start', { workspaceId: chapter, importId, mapping: mapping() }));
    expect(started.state).toBe('queued');
    status = await finished(importId);
  });

  it('writes the valid rows and counts each outcome (created, updated, linked, rejected)', async () => {
    const expected = { created: 0, updated: 0, linked: 0, rejected: 0 };
    for (let i = 1; i <= ROWS; i++) {
      if (rejectedRow(i)) expected.rejected++;
      else if (inChapter(i)) expected.updated++;
      else if (elsewhere(i)) expected.linked++;
      else expected.created++;
    }
    expect(status).toMatchObject({ state: 'completed', totalRows: ROWS, processedRows: ROWS, failureReason: null, ...expected });
    // The 30 already here, plus everyone created or linked; each person once.
    const people = await sql<{ n: number; emails: number }>`
      select count(*)::int as n, count(distinct c.email)::int as emails
      from contact_workspaces cw join contacts c on c.id = cw.contact_id
      where cw.workspace_id = ${chapter}::uuid and c.email like 'person-%@import.example'`.execute(steward.db);
    expect(people.rows[0]).toEqual({ n: 30 + expected.created + expected.linked, emails: 30 + expected.created + expected.linked });
  });

  it('stores each value converted to its field type', async () => {
    const contact = await steward.db
      .selectFrom('contacts as c')
      .innerJoin('contact_workspaces as cw', 'cw.contact_id', 'c.id')
      .select(['c.first_name', 'c.country', 'cw.field_values'])
      .where('cw.workspace_id', '=', chapter)
      .where('c.email', '=', emailOf(10))
      .executeTakeFirstOrThrow();
    const option = (field: Field, label: string) => field.options.find((o) => o.label === label)!.id;
    expect(contact).toEqual({
      first_name: 'First 10',
      country: 'FR',
      field_values: {
        [fields.tier!.key]: option(fields.tier!, 'Silver'),
        [fields.donations!.key]: 15,
        [fields.newsletter!.key]: false,
        [fields.interests!.key]: [option(fields.interests!, 'Climate'), option(fields.interests!, 'Policy')],
      },
    });
  });

  it('offers the rejected rows as CSV: the original cells and the reason, naming the column and field', async () => {
    expect(status.rejectedRowsUrl).toBe(`/files/contact-imports/${importId}/rejected-rows.csv`);
    const { status: code, rows } = await report(importId);
    expect(code).toBe(200);
    expect(rows[0]).toEqual(['Email', 'First name', 'Country', 'Tier', 'Donations', 'Newsletter', 'Interests', 'Notes', 'error']);
    const refused = [...Array(ROWS).keys()].map((k) => k + 1).filter(rejectedRow);
    expect(rows.length - 1).toBe(refused.length);
    expect(rows.slice(1).map((r) => r.slice(0, -1))).toEqual(refused.map(cellsOf));
    expect(rows.find((r) => r[0] === emailOf(7))!.at(-1)).toMatch(/^Column "Country" \(Country\): Use an ISO 3166-1 alpha-2 country code/);
    expect(rows.find((r) => r[0] === emailOf(11))!.at(-1)).toMatch(/^Column "Tier": Field 'Tier' \(.+\) has no option with the id "Platinum"\. Use one of: Bronze, Silver, Gold\.$/);
    expect(rows.find((r) => r[0] === emailOf(13))!.at(-1)).toMatch(/^Column "Donations": Field 'Donations' .* expects a number, got "lots"\.$/);
  });

  it('opens a rejected cell that a spreadsheet would run as a formula as text', async () => {
    const formula = await uploaded('Email,First name,Country\r\nformula@example.org,"=HYPERLINK(""http://evil.example"")",Narnia\r\n');
    ok(await trpc('contacts.imports.start', { workspaceId: chapter, importId: formula, mapping: [{ builtIn: 'email' }, { builtIn: 'firstName' }, { builtIn: 'country' }] }));
    expect((await finished(formula)).state).toBe('completed');
    const { rows } = await report(formula);
    expect(rows[1]!.slice(0, 3)).toEqual(['formula@example.org', `'=HYPERLINK("http://evil.example")`, 'Narnia']);
  });

  it('updates the people it already knows instead of duplicating them when the same file comes again', async () => {
    const before = await contactsInChapter();
    const again = await uploaded(csvOf(1, 200));
    ok(await trpc('contacts.imports.start', { workspaceId: chapter, importId: again, mapping: mapping() }));
    const result = await finished(again);
    const valid = [...Array(200).keys()].map((k) => k + 1).filter((i) => !rejectedRow(i)).length;
    expect(result).toMatchObject({ state: 'completed', created: 0, linked: 0, updated: valid, rejected: 200 - valid });
    expect(await contactsInChapter()).toBe(before);
  });

  it('audits the start and the completion', async () => {
    const entries = await steward.db.selectFrom('audit_log').select(['action', 'actor_user_id', 'after']).where('target_id', '=', importId).orderBy('id').execute();
    expect(entries.map((e) => e.action)).toEqual(['contacts.imports.start', 'contacts.imports.completed']);
    expect(entries[1]).toMatchObject({ actor_user_id: steward.org.admin.id, after: { processedRows: ROWS, rejected: status.rejected } });
  });

  it('through REST with a bearer key: upload, start, follow', async () => {
    const { key } = ok(await trpc<{ key: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'importer', scope: 'read_write' }));
    const auth = { authorization: `Bearer ${key}` };
    const up = await fetch(`${steward.app.url}/files/contact-imports?workspaceId=${chapter}`, { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body: 'email,first name\nrest-1@example.org,Rest\n' });
    expect(up.status, await up.clone().text()).toBe(201);
    const { import: created } = (await up.json()) as { import: ImportStatus };
    const start = await fetch(`${steward.app.url}/api/v1/workspaces/${chapter}/contacts/imports/${created.id}/start`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ mapping: [{ builtIn: 'email' }, { builtIn: 'firstName' }] }),
    });
    expect(start.status, await start.clone().text()).toBe(200);
    const done = await finished(created.id);
    expect(done).toMatchObject({ state: 'completed', created: 1 });
    const got = await fetch(`${steward.app.url}/api/v1/workspaces/${chapter}/contacts/imports/${created.id}`, { headers: auth });
    expect(((await got.json()) as ImportStatus).state).toBe('completed');
    const readOnly = ok(await trpc<{ key: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'reader', scope: 'read' })).key;
    const refused = await fetch(`${steward.app.url}/files/contact-imports?workspaceId=${chapter}`, { method: 'POST', headers: { authorization: `Bearer ${readOnly}`, 'content-type': 'text/csv' }, body: 'email\nx@example.org\n' });
    expect(refused.status).toBe(403);
  });

  it('resumes after a failure mid-way, through pg-boss retries, without writing a row twice', async () => {
    // Row 1,500 fails once, as a crash would: the first batch (rows 1–1,000) is committed, the second is not.
    await sql`create sequence import_fault_once`.execute(steward.db);
    await sql`
      create function import_fault() returns trigger language plpgsql as $$
      begin
        if new.email = 'resume-1500@import.example' then
          if nextval('import_fault_once') = 1 then raise exception 'simulated crash'; end if;
        end if;
        return new;
      end $$`.execute(steward.db);
    await sql`create trigger import_fault before insert on contacts for each row execute function import_fault()`.execute(steward.db);
    try {
      const lines = ['email,first name'];
      for (let i = 1; i <= 2_500; i++) lines.push(`resume-${i}@import.example,R${i}`);
      const id = await uploaded(lines.join('\n'));
      ok(await trpc('contacts.imports.start', { workspaceId: chapter, importId: id, mapping: [{ builtIn: 'email' }, { builtIn: 'firstName' }] }));
      const done = await finished(id);
      expect(done).toMatchObject({ state: 'completed', processedRows: 2_500, created: 2_500, rejected: 0 });
      const { rows } = await sql<{ n: number; d: number }>`select count(*)::int as n, count(distinct email)::int as d from contacts where email like 'resume-%@import.example'`.execute(steward.db);
      expect(rows[0]).toEqual({ n: 2_500, d: 2_500 });
      expect(steward.app.logs.some((line) => line.includes('Contact import attempt failed') && line.includes(id))).toBe(true);
    } finally {
      await sql`drop trigger import_fault on contacts`.execute(steward.db);
    }
  });
});

describe('who may import', () => {
  it('refuses viewers the upload and every import procedure', async () => {
    const { status, body } = await upload('email\nv@example.org\n', { agent: viewer.agent });
    expect(status).toBe(403);
    expect(body.error?.code).toBe('FORBIDDEN');
    const importId = await uploaded('email\nv@example.org\n');
    const inspected = await trpc('contacts.imports.inspect', { workspaceId: chapter, importId }, 'query', viewer.agent);
    expect(inspected.error?.data.code).toBe('FORBIDDEN');
    expect((await report(importId, viewer.agent)).status).toBe(403);
  });

  it("lets members import, and keeps one member's imports from another (admins see all)", async () => {
    const importId = await uploaded('email,first name\nby-member@example.org,Mem\n', { agent: member.agent });
    ok(await trpc('contacts.imports.start', { workspaceId: chapter, importId, mapping: [{ builtIn: 'email' }, { builtIn: 'firstName' }] }, 'mutation', member.agent));
    expect(await finished(importId, chapter, member.agent)).toMatchObject({ state: 'completed', created: 1 });
    const adminsImport = await uploaded('email\nby-admin@example.org\n');
    expect((await trpc('contacts.imports.get', { workspaceId: chapter, importId: adminsImport }, 'query', member.agent)).error?.data.code).toBe('NOT_FOUND');
    ok(await trpc('contacts.imports.get', { workspaceId: chapter, importId }, 'query'));
    const listed = ok(await trpc<{ items: { id: string }[] }>('contacts.imports.list', { workspaceId: chapter }, 'query', member.agent));
    expect(listed.items.map((i) => i.id)).toEqual([importId]);
  });

  it('answers NOT_FOUND for an import of another organisation', async () => {
    const importId = await uploaded('email\nmine@example.org\n');
    const stranger = await steward.app.signIn('stranger@elsewhere.example');
    expect((await report(importId, stranger)).status).toBe(404);
    expect((await trpc('contacts.imports.get', { workspaceId: chapter, importId }, 'query', stranger)).error?.data.code).toBe('NOT_FOUND');
  });
});

describe('limits and bad files', () => {
  const refusal = async (csv: string | Buffer, expected: number, message: RegExp, headers: Record<string, string> = {}) => {
    const { status, body } = await upload(csv, { headers });
    expect(status, JSON.stringify(body)).toBe(expected);
    expect(body.error?.message).toMatch(message);
  };

  it('refuses an empty file, a header alone, and a first row that is data', async () => {
    await refusal('', 400, /The file is empty/);
    await refusal('email,first name\n', 400, /header row but no data rows/);
    await refusal('\n\n', 400, /first row is empty/);
    await refusal('ada@example.org,Ada\ngrace@example.org,Grace\n', 400, /first row looks like data \("ada@example.org"\).*Add a header row/);
  });

  it('refuses text that is not UTF-8, UTF-16 and spreadsheet files', async () => {
    await refusal(Buffer.from('email,name\nzoe@example.org,Zo\xe9\n', 'latin1'), 400, /not UTF-8 text.*CSV UTF-8/);
    await refusal(Buffer.from('\ufeffemail\n', 'utf16le'), 400, /UTF-16/);
    await refusal(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), 400, /spreadsheet file/);
  });

  it('refuses too many columns and broken quoting', async () => {
    const header = Array.from({ length: 201 }, (_, i) => `c${i}`).join(',');
    await refusal(`${header}\n${'x,'.repeat(200)}x\n`, 400, /201 columns; an import takes at most 200/);
    await refusal('email,name\n"a@example.org,Ann\n', 400, /quoted cell is never closed/);
  });

  it('refuses a file over 50 MB with 413, and forms or JSON with 415', async () => {
    await refusal(Buffer.alloc(50 * 1024 * 1024 + 1, 'a'), 413, /larger than 50 MB; split it into several imports/);
    await refusal('{"email": "a@example.org"}', 415, /not a form or JSON/, { 'content-type': 'application/json' });
  });

  it('refuses a cookie upload without the console origin (CSRF) and a missing workspace', async () => {
    const response = await steward.org.admin.agent.request(`/files/contact-imports?workspaceId=${chapter}`, { method: 'POST', origin: null, headers: { 'content-type': 'text/csv' }, body: 'email\na@example.org\n' });
    expect(response.status).toBe(403);
    const missing = await steward.org.admin.agent.request('/files/contact-imports', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'email\na@example.org\n' });
    expect(missing.status).toBe(400);
  });

  it('starts an import once, and cancels only what has not ended', async () => {
    const importId = await uploaded('email\nonce@example.org\n');
    const cancelled = ok(await trpc<ImportStatus>('contacts.imports.cancel', { workspaceId: chapter, importId }));
    expect(cancelled.state).toBe('cancelled');
    expect((await trpc('contacts.imports.start', { workspaceId: chapter, importId, mapping: [{ builtIn: 'email' }] })).error?.message).toMatch(/already been started/);
    expect((await trpc('contacts.imports.cancel', { workspaceId: chapter, importId })).error?.message).toMatch(/already been cancelled/);
    const chunks = await steward.db.selectFrom('contact_import_chunks').select('seq').where('import_id', '=', importId).execute();
    expect(chunks).toEqual([]);
  });
});
