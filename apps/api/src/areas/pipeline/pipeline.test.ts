import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from '@steward/db';
import { addSignedInMember, seedOrganisation, useStewardApp, type SeededUser } from '@steward/test-kit';

const steward = useStewardApp({ workers: false, organisation: 'Acme' });

type Result<T> = { error: { message: string; data: { code: string } } | null; text: string; data: T };
const ok = <T>(result: Result<T>) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};
const call = <T>(agent: SeededUser['agent'], path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') => agent.trpc<T>(path, input, kind) as Promise<Result<T>>;

interface Stage {
  id: string;
  name: string;
  probability: number;
  kind: 'open' | 'won' | 'lost';
  position: number;
  dealCount: number;
}
interface Deal {
  id: string;
  stageId: string | null;
}

const unique = () => randomBytes(4).toString('hex');
let admin: SeededUser['agent'];

async function newWorkspace() {
  const slug = `pipe-${unique()}`;
  return (await steward.db.insertInto('workspaces').values({ organisation_id: steward.org.organisationId, kind: 'chapter', name: slug, slug }).returning('id').executeTakeFirstOrThrow()).id;
}
const stages = async (workspaceId: string) => ok(await call<{ stages: Stage[] }>(admin, 'pipeline.list', { workspaceId }, 'query')).stages;
const addStage = async (workspaceId: string, name: string, kind: Stage['kind'] = 'open', probability = 50) => ok(await call<Stage>(admin, 'pipeline.create', { workspaceId, name, kind, probability }));
async function insertDeals(workspaceId: string, stageId: string, count: number) {
  await sql`
    insert into deals (organisation_id, workspace_id, name, stage_id)
    select ${steward.org.organisationId}::uuid, ${workspaceId}::uuid, 'Deal ' || n, ${stageId}::uuid from generate_series(1, ${count}::int) n`.execute(steward.db);
}

beforeAll(() => {
  admin = steward.org.admin.agent;
});

describe('a pipeline', () => {
  it('starts with Lead 10, Qualified 25, Proposal 50, Negotiation 75, Won 100 and Lost 0 in a new workspace', async () => {
    const workspaceId = await newWorkspace();
    expect((await stages(workspaceId)).map((s) => [s.name, s.probability, s.kind, s.position])).toEqual([
      ['Lead', 10, 'open', 0],
      ['Qualified', 25, 'open', 1],
      ['Proposal', 50, 'open', 2],
      ['Negotiation', 75, 'open', 3],
      ['Won', 100, 'won', 4],
      ['Lost', 0, 'lost', 5],
    ]);
    // The organisation's global workspace has them too.
    expect((await stages(steward.org.globalWorkspaceId)).map((s) => s.name)).toEqual(['Lead', 'Qualified', 'Proposal', 'Negotiation', 'Won', 'Lost']);
  });

  it('adds a stage last, renames it, changes its probability and reorders every stage in one call', async () => {
    const workspaceId = await newWorkspace();
    const demo = await addStage(workspaceId, 'Demo', 'open', 30);
    expect(demo.position).toBe(6);
    const renamed = ok(await call<Stage>(admin, 'pipeline.update', { workspaceId, stageId: demo.id, name: 'Product demo', probability: 35 }));
    expect(renamed).toMatchObject({ name: 'Product demo', probability: 35, kind: 'open' });
    const order = (await stages(workspaceId)).map((s) => s.id).reverse();
    ok(await call(admin, 'pipeline.reorder', { workspaceId, stageIds: order }));
    expect((await stages(workspaceId)).map((s) => s.id)).toEqual(order);
    expect((await stages(workspaceId)).map((s) => s.position)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('refuses a reorder that leaves out a stage, a duplicate name and a probability above 100', async () => {
    const workspaceId = await newWorkspace();
    const ids = (await stages(workspaceId)).map((s) => s.id);
    const partial = await call(admin, 'pipeline.reorder', { workspaceId, stageIds: ids.slice(1) });
    expect(partial.error?.data.code).toBe('CONFLICT');
    expect(partial.error?.message).toMatch(/Reload/);
    const duplicate = await call(admin, 'pipeline.create', { workspaceId, name: 'lead', probability: 5 });
    expect(duplicate.error?.message).toBe("This pipeline already has a stage named 'lead'. Choose another name.");
    const tooLikely = await call(admin, 'pipeline.create', { workspaceId, name: 'Sure thing', probability: 101 });
    expect(tooLikely.error?.data.code).toBe('BAD_REQUEST');
  });

  it('always keeps an open, a won and a lost stage', async () => {
    const workspaceId = await newWorkspace();
    const [lead, qualified, proposal, negotiation, won, lost] = await stages(workspaceId);
    const deleteWon = await call(admin, 'pipeline.delete', { workspaceId, stageId: won!.id });
    expect(deleteWon.error?.data.code).toBe('CONFLICT');
    expect(deleteWon.error?.message).toBe("A pipeline keeps at least one won stage, so deleting 'Won' is not possible. Add another won stage first.");
    const lostToOpen = await call(admin, 'pipeline.update', { workspaceId, stageId: lost!.id, kind: 'open' });
    expect(lostToOpen.error?.message).toMatch(/at least one lost stage/);
    for (const stage of [lead, qualified, proposal]) ok(await call(admin, 'pipeline.delete', { workspaceId, stageId: stage!.id }));
    const lastOpen = await call(admin, 'pipeline.delete', { workspaceId, stageId: negotiation!.id });
    expect(lastOpen.error?.message).toMatch(/at least one open stage/);
    // With a second won stage, the first one may go.
    await addStage(workspaceId, 'Won (renewal)', 'won', 100);
    ok(await call(admin, 'pipeline.delete', { workspaceId, stageId: won!.id }));
    expect((await stages(workspaceId)).map((s) => s.kind)).toEqual(['open', 'lost', 'won']);
  });

  it('keeps an open, a won and a lost stage under 50 concurrent deletes, with positions unique', async () => {
    const workspaceId = await newWorkspace();
    for (let i = 0; i < 4; i++) {
      await addStage(workspaceId, `Won ${i}`, 'won', 100);
      await addStage(workspaceId, `Lost ${i}`, 'lost', 0);
    }
    const all = await stages(workspaceId);
    const attempts = Array.from({ length: 50 }, (_, i) => all[i % all.length]!.id);
    const results = await Promise.all(attempts.map((stageId) => call(admin, 'pipeline.delete', { workspaceId, stageId })));
    for (const result of results) if (result.error) expect(['CONFLICT', 'NOT_FOUND']).toContain(result.error.data.code);
    const left = await stages(workspaceId);
    expect(new Set(left.map((s) => s.kind))).toEqual(new Set(['open', 'won', 'lost']));
    expect(left).toHaveLength(3);
    expect(new Set(left.map((s) => s.position)).size).toBe(left.length);
  });

  it('never leaves two stages in one position under concurrent reorders', async () => {
    const workspaceId = await newWorkspace();
    const ids = (await stages(workspaceId)).map((s) => s.id);
    const shuffled = () => [...ids].sort(() => Math.random() - 0.5);
    const results = await Promise.all(Array.from({ length: 20 }, () => call(admin, 'pipeline.reorder', { workspaceId, stageIds: shuffled() })));
    for (const result of results) ok(result);
    expect((await stages(workspaceId)).map((s) => s.position)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('asks where the deals of a stage go, and moves them in the same transaction as the delete', async () => {
    const workspaceId = await newWorkspace();
    const [, qualified, proposal] = await stages(workspaceId);
    await insertDeals(workspaceId, proposal!.id, 250);
    expect((await stages(workspaceId)).find((s) => s.id === proposal!.id)?.dealCount).toBe(250);

    const unasked = await call(admin, 'pipeline.delete', { workspaceId, stageId: proposal!.id });
    expect(unasked.error?.data.code).toBe('PRECONDITION_FAILED');
    expect(unasked.error?.message).toBe("250 deals are in 'Proposal'. Choose the stage to move them to.");

    const elsewhere = (await stages(await newWorkspace()))[0]!;
    const foreign = await call(admin, 'pipeline.delete', { workspaceId, stageId: proposal!.id, moveDealsTo: elsewhere.id });
    expect(foreign.error?.message).toBe('Move the deals to another stage of this pipeline.');
    const itself = await call(admin, 'pipeline.delete', { workspaceId, stageId: proposal!.id, moveDealsTo: proposal!.id });
    expect(itself.error?.data.code).toBe('BAD_REQUEST');

    const deleted = ok(await call<{ movedDeals: number; movedTo: string }>(admin, 'pipeline.delete', { workspaceId, stageId: proposal!.id, moveDealsTo: qualified!.id }));
    expect(deleted).toMatchObject({ movedDeals: 250, movedTo: qualified!.id });
    const after = await stages(workspaceId);
    expect(after.find((s) => s.id === qualified!.id)?.dealCount).toBe(250);
    expect(after.some((s) => s.id === proposal!.id)).toBe(false);
    const audit = await steward.db.selectFrom('audit_log').select(['after']).where('action', '=', 'pipeline.delete').where('target_id', '=', proposal!.id).executeTakeFirstOrThrow();
    expect(audit.after).toMatchObject({ movedDeals: 250, movedToName: 'Qualified' });
  });
});

describe('deals and their stage', () => {
  it('start in the first open stage, and take only a stage of their own workspace', async () => {
    const workspaceId = await newWorkspace();
    const [lead, qualified] = await stages(workspaceId);
    const deal = ok(await call<Deal>(admin, 'deals.create', { workspaceId, name: 'Big one' }));
    expect(deal.stageId).toBe(lead!.id);
    const moved = ok(await call<Deal>(admin, 'deals.update', { workspaceId, dealId: deal.id, stageId: qualified!.id }));
    expect(moved.stageId).toBe(qualified!.id);
    const chosen = ok(await call<Deal>(admin, 'deals.create', { workspaceId, name: 'Chosen', stageId: qualified!.id }));
    expect(chosen.stageId).toBe(qualified!.id);

    const foreignStage = (await stages(await newWorkspace()))[1]!.id;
    const refused = await call(admin, 'deals.update', { workspaceId, dealId: deal.id, stageId: foreignStage });
    expect(refused.error?.message).toBe('The stage must be one of this workspace’s pipeline stages.');
    const refusedCreate = await call(admin, 'deals.create', { workspaceId, name: 'Nope', stageId: foreignStage });
    expect(refusedCreate.error?.data.code).toBe('BAD_REQUEST');
    // The database holds the same rule.
    await expect(steward.db.updateTable('deals').set({ stage_id: foreignStage }).where('id', '=', deal.id).execute()).rejects.toThrow(/deals_stage_fkey/);
  });

  it('are filtered by stage', async () => {
    const workspaceId = await newWorkspace();
    const [, , proposal] = await stages(workspaceId);
    await insertDeals(workspaceId, proposal!.id, 3);
    ok(await call(admin, 'deals.create', { workspaceId, name: 'Elsewhere' }));
    const page = ok(await call<{ items: Deal[] }>(admin, 'deals.search', { workspaceId, filters: [{ field: 'stageId', op: 'eq', value: proposal!.id }] }, 'query'));
    expect(page.items).toHaveLength(3);
  });
});

describe('the forecast', () => {
  it('weighs each amount by its stage’s win probability, per stage and in total, one line per currency', async () => {
    const workspaceId = await newWorkspace();
    const [lead, , proposal, , won, lost] = await stages(workspaceId);
    const deal = (name: string, stageId: string, amount: number | null, currency: string | null) => call(admin, 'deals.create', { workspaceId, name, stageId, amount, currency });
    for (const result of await Promise.all([
      deal('A', lead!.id, 1000, 'EUR'),
      deal('B', proposal!.id, 200, 'EUR'),
      deal('C', proposal!.id, 300, 'USD'),
      deal('D', won!.id, 50, 'EUR'),
      deal('E', lost!.id, 999, 'EUR'),
      deal('F', proposal!.id, null, null),
    ]))
      ok(result);
    const forecast = ok(
      await call<{ stages: { name: string; deals: number; amounts: unknown[] }[]; totals: unknown[] }>(admin, 'pipeline.forecast', { workspaceId }, 'query'),
    );
    expect(forecast.stages.map((s) => [s.name, s.deals, s.amounts])).toEqual([
      ['Lead', 1, [{ currency: 'EUR', amount: 1000, weighted: 100 }]],
      ['Qualified', 0, []],
      ['Proposal', 3, [{ currency: 'EUR', amount: 200, weighted: 100 }, { currency: 'USD', amount: 300, weighted: 150 }]],
      ['Negotiation', 0, []],
      ['Won', 1, [{ currency: 'EUR', amount: 50, weighted: 50 }]],
      ['Lost', 1, [{ currency: 'EUR', amount: 999, weighted: 0 }]],
    ]);
    expect(forecast.totals).toEqual([
      { currency: 'EUR', deals: 4, amount: 2249, weighted: 250 },
      { currency: 'USD', deals: 1, amount: 300, weighted: 150 },
      { currency: null, deals: 1, amount: 0, weighted: 0 },
    ]);
  });
});

describe('who manages a pipeline', () => {
  it('workspace members read the stages but cannot change them; another organisation cannot see them', async () => {
    const workspaceId = await newWorkspace();
    const member = await addSignedInMember(steward.app, steward.org.organisationId, `editor-${unique()}@acme.example`, 'member', [{ workspaceId, role: 'member' }]);
    expect(ok(await call<{ stages: Stage[] }>(member.agent, 'pipeline.list', { workspaceId }, 'query')).stages).toHaveLength(6);
    expect((await call(member.agent, 'pipeline.create', { workspaceId, name: 'Mine', probability: 1 })).error?.data.code).toBe('FORBIDDEN');
    const other = await seedOrganisation(steward.app, `Other ${unique()}`);
    expect((await call(other.admin.agent, 'pipeline.list', { workspaceId }, 'query')).error?.data.code).toBe('NOT_FOUND');
    const theirs = (await call<{ stages: Stage[] }>(other.admin.agent, 'pipeline.list', { workspaceId: other.chapterWorkspaceId }, 'query')).data.stages[0]!;
    expect((await call(admin, 'pipeline.delete', { workspaceId, stageId: theirs.id })).error?.data.code).toBe('NOT_FOUND');
  });
});
