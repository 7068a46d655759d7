import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from '@steward/db';
import { addSignedInMember, type SeededUser, useStewardApp } from '@steward/test-kit';
import { createLogger } from '../../../logger.js';
import { FileTooLarge, storeImportFile } from './csv-file.js';
import { runContactImport } from './run-import.js';
import { IMPORT_LIMITS } from './schemas.js';

/**
 * The job without pg-boss around it (no workers run in this file): each attempt is called by hand,
 * so that a failure can be put exactly between two batches.
 */
const steward = useStewardApp({ workers: false, organisation: 'Acme' });
const deps = () => ({ db: steward.db, logger: createLogger('error', () => {}), jobs: steward.app.jobs });

type Result<T> = { error: { message: string; data: { code: string } } | null; text: string; data: T; status: number };
const ok = <T>(result: Result<T>) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};
const trpc = <T>(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation', agent = steward.org.admin.agent) => agent.trpc<T>(path, input, kind) as Promise<Result<T>>;

let workspaceCount = 0;
async function newWorkspace() {
  workspaceCount++;
  return (await steward.db.insertInto('workspaces').values({ organisation_id: steward.org.organisationId, kind: 'chapter', name: `W${workspaceCount}`, slug: `w-${workspaceCount}` }).returning('id').executeTakeFirstOrThrow()).id;
}

async function store(workspaceId: string, csv: string, userId = steward.org.admin.id) {
  return (await storeImportFile(steward.db, { organisationId: steward.org.organisationId, workspaceId, userId, apiKeyId: null }, 'people.csv', [Buffer.from(csv)])).id;
}

const people = (prefix: string, count: number, bad: (i: number) => boolean = () => false) => {
  const lines = ['email,first name'];
  for (let i = 1; i <= count; i++) lines.push(`${bad(i) ? 'not-an-email' : `${prefix}-${i}@resume.example`},P${i}`);
  return lines.join('\n');
};
const mapping = [{ builtIn: 'email' }, { builtIn: 'firstName' }];

async function state(importId: string) {
  return steward.db.selectFrom('contact_imports').selectAll().where('id', '=', importId).executeTakeFirstOrThrow();
}

/** Makes inserting this email fail once, as a crash in the middle of a batch would. */
async function failOnceAt(email: string) {
  const name = `fault_${Math.random().toString(36).slice(2, 8)}`;
  await sql.raw(`create sequence ${name}_once`).execute(steward.db);
  await sql
    .raw(
      `create function ${name}() returns trigger language plpgsql as $$
      begin
        if new.email = '${email}' then
          if nextval('${name}_once') = 1 then raise exception 'simulated crash'; end if;
        end if;
        return new;
      end $$`,
    )
    .execute(steward.db);
  await sql.raw(`create trigger ${name} before insert on contacts for each row execute function ${name}()`).execute(steward.db);
  return () => sql.raw(`drop trigger ${name} on contacts`).execute(steward.db);
}

let member: SeededUser;
let workspace: string;

beforeAll(async () => {
  workspace = await newWorkspace();
  member = await addSignedInMember(steward.app, steward.org.organisationId, 'member@acme.example', 'member', [{ workspaceId: workspace, role: 'member' }]);
});

describe('the import job', () => {
  it('resumes after the last committed batch when an attempt fails, without writing or reporting a row twice', async () => {
    const importId = await store(workspace, people('a', 2_500, (i) => i === 10));
    ok(await trpc('contacts.imports.start', { workspaceId: workspace, importId, mapping }));
    const restore = await failOnceAt('a-1500@resume.example');
    try {
      await expect(runContactImport(deps(), importId)).rejects.toThrow(/simulated crash/);
    } finally {
      await restore();
    }
    expect(await state(importId)).toMatchObject({ state: 'running', processed_rows: 1_000, created_count: 999, rejected_count: 1 });

    expect(await runContactImport(deps(), importId)).toBe('completed');
    expect(await state(importId)).toMatchObject({ state: 'completed', processed_rows: 2_500, created_count: 2_499, rejected_count: 1 });
    const { rows } = await sql<{ n: number; d: number }>`select count(*)::int as n, count(distinct email)::int as d from contacts where email like 'a-%@resume.example'`.execute(steward.db);
    expect(rows[0]).toEqual({ n: 2_499, d: 2_499 });
    const rejections = await steward.db.selectFrom('contact_import_rejections').select(['row_number', 'error']).where('import_id', '=', importId).execute();
    expect(rejections).toEqual([{ row_number: 11, error: 'Column "email" (Email): Enter a valid email address.' }]);
    expect(await steward.db.selectFrom('contact_import_chunks').select('seq').where('import_id', '=', importId).execute()).toEqual([]);
  });

  it('remembers the emails of committed batches after a resume: a later duplicate is still refused', async () => {
    const lines = [people('b', 1_200), 'b-5@resume.example,Again'].join('\n');
    const importId = await store(workspace, lines);
    ok(await trpc('contacts.imports.start', { workspaceId: workspace, importId, mapping }));
    const restore = await failOnceAt('b-1100@resume.example');
    try {
      await expect(runContactImport(deps(), importId)).rejects.toThrow();
    } finally {
      await restore();
    }
    await runContactImport(deps(), importId);
    expect(await state(importId)).toMatchObject({ state: 'completed', created_count: 1_200, rejected_count: 1 });
    const [rejection] = await steward.db.selectFrom('contact_import_rejections').select('error').where('import_id', '=', importId).execute();
    expect(rejection!.error).toMatch(/also in row 6/);
  });

  it('lets only one of two attempts running at once write each batch', async () => {
    const importId = await store(workspace, people('c', 2_100));
    ok(await trpc('contacts.imports.start', { workspaceId: workspace, importId, mapping }));
    const outcomes = await Promise.all([runContactImport(deps(), importId), runContactImport(deps(), importId)]);
    expect(outcomes).toContain('completed');
    expect(await state(importId)).toMatchObject({ state: 'completed', processed_rows: 2_100, created_count: 2_100 });
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from contacts where email like 'c-%@resume.example'`.execute(steward.db);
    expect(rows[0]!.n).toBe(2_100);
  });

  it('does nothing for a cancelled import', async () => {
    const importId = await store(workspace, people('d', 10));
    ok(await trpc('contacts.imports.start', { workspaceId: workspace, importId, mapping }));
    ok(await trpc('contacts.imports.cancel', { workspaceId: workspace, importId }));
    expect(await runContactImport(deps(), importId)).toBe('stopped');
    expect(await state(importId)).toMatchObject({ state: 'cancelled', processed_rows: 0 });
  });

  it('fails with a plain reason when the person who started it may no longer add contacts', async () => {
    const importId = await store(workspace, people('e', 10), member.id);
    ok(await trpc('contacts.imports.start', { workspaceId: workspace, importId, mapping }, 'mutation', member.agent));
    await steward.db.updateTable('workspace_memberships').set({ role: 'viewer' }).where('user_id', '=', member.id).where('workspace_id', '=', workspace).execute();
    try {
      expect(await runContactImport(deps(), importId)).toBe('failed');
    } finally {
      await steward.db.updateTable('workspace_memberships').set({ role: 'member' }).where('user_id', '=', member.id).where('workspace_id', '=', workspace).execute();
    }
    expect(await state(importId)).toMatchObject({ state: 'failed', failure_reason: 'The person who started the import can no longer add contacts to this workspace.' });
    const [entry] = await steward.db.selectFrom('audit_log').select(['action', 'actor_user_id']).where('target_id', '=', importId).orderBy('id', 'desc').execute();
    expect(entry).toEqual({ action: 'contacts.imports.failed', actor_user_id: member.id });
  });

  it('fails with a plain reason when a mapped field was deleted while it waited', async () => {
    const field = ok(await trpc<{ id: string; key: string }>('fields.create', { workspaceId: workspace, entity: 'contact', label: 'Score', type: 'number', scope: 'workspace' }));
    const importId = await store(workspace, 'email,score\nf@resume.example,3\n');
    ok(await trpc('contacts.imports.start', { workspaceId: workspace, importId, mapping: [{ builtIn: 'email' }, { field: field.key }] }));
    ok(await trpc('fields.delete', { fieldId: field.id }));
    expect(await runContactImport(deps(), importId)).toBe('failed');
    expect((await state(importId)).failure_reason).toMatch(/Column "score" is mapped to the field '.+', which contacts do not have in this workspace/);
  });
});

describe('limits', () => {
  it('refuses to start a fourth import while three wait in the workspace', async () => {
    const busy = await newWorkspace();
    for (let i = 0; i < 3; i++) ok(await trpc('contacts.imports.start', { workspaceId: busy, importId: await store(busy, people(`g${i}`, 2)), mapping }));
    const fourth = await trpc('contacts.imports.start', { workspaceId: busy, importId: await store(busy, people('g3', 2)), mapping });
    expect(fourth.status).toBe(429);
    expect(fourth.error?.message).toMatch(/3 imports are already waiting or running in this workspace/);
  });

  it('stops reading a file past the size limit, keeping nothing of it', async () => {
    const before = await steward.db.selectFrom('contact_imports').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    async function* endless() {
      for (;;) yield Buffer.from('email,first name\n'.padEnd(64 * 1024, 'x'));
    }
    await expect(storeImportFile(steward.db, { organisationId: steward.org.organisationId, workspaceId: workspace, userId: steward.org.admin.id, apiKeyId: null }, 'big.csv', endless(), { ...IMPORT_LIMITS, maxBytes: 1024 * 1024 })).rejects.toBeInstanceOf(FileTooLarge);
    const after = await steward.db.selectFrom('contact_imports').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    const orphans = await sql<{ n: number }>`select count(*)::int as n from contact_import_chunks ch where not exists (select 1 from contact_imports i where i.id = ch.import_id)`.execute(steward.db);
    expect(orphans.rows[0]!.n).toBe(0);
  });

  it('refuses a file with more rows than allowed', async () => {
    await expect(
      storeImportFile(steward.db, { organisationId: steward.org.organisationId, workspaceId: workspace, userId: steward.org.admin.id, apiKeyId: null }, 'rows.csv', [Buffer.from(people('h', 11))], { ...IMPORT_LIMITS, maxRows: 10 }),
    ).rejects.toThrow(/more than 10 rows; split it into several imports/);
  });
});
