import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, type ApiProcess, startApiProcess, useStewardApp } from '@steward/test-kit';

/**
 * Issue 15's first "done when": 300 conversations arriving at once, spread over two API
 * processes on one database, are assigned exactly round-robin (100 each over 3 agents), and a
 * load-balanced inbox never gives an agent more than its cap.
 */

const steward = useStewardApp({ workers: false, organisation: 'Acme' });
let processes: ApiProcess[];
let key: string;
let agents: { id: string; email: string }[];
const workspaceId = () => steward.org.chapterWorkspaceId;

beforeAll(async () => {
  const env = { REST_RATE_LIMIT_PER_MINUTE: '100000' };
  processes = await Promise.all([startApiProcess({ databaseUrl: steward.database.url, env }), startApiProcess({ databaseUrl: steward.database.url, env })]);
  agents = [];
  for (const name of ['ann', 'ben', 'cat']) agents.push(await addMember(steward.db, steward.org.organisationId, `${name}@acme.example`, 'member', [{ workspaceId: workspaceId(), role: 'member' }]));
  const created = await steward.org.admin.agent.trpc<{ key: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'arrivals' }, 'mutation');
  key = created.data.key;
}, 120_000);
afterAll(async () => {
  await Promise.all((processes ?? []).map((p) => p.stop()));
});

async function makeInbox(name: string, assignment: 'round_robin' | 'load_balanced', agentCap: number | null = null) {
  const result = await steward.org.admin.agent.trpc<{ id: string }>(
    'inboxes.create',
    { workspaceId: workspaceId(), name, assignment, agentCap, agentUserIds: agents.map((a) => a.id) },
    'mutation',
  );
  expect(result.error, result.text).toBeNull();
  return result.data.id;
}

/**
 * `count` messages, alternating between the two processes, `inFlight` of them at any moment (all at
 * once by default); `sender(i)` says who sends message i.
 */
async function arrive(inboxId: string, count: number, sender: (i: number) => string, inFlight = count) {
  const send = (i: number) =>
    fetch(`${processes[i % 2]!.url}/api/v1/inboxes/${inboxId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workspaceId: workspaceId(), from: { email: sender(i) }, body: `Message ${i}` }),
    }).then(async (r) => ({ status: r.status, text: await r.text() }));
  const responses: { status: number; text: string }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, count) }, async () => {
      while (next < count) responses.push(await send(next++));
    }),
  );
  const failed = responses.filter((r) => r.status !== 200);
  const logged = processes.flatMap((p) => p.output).filter((line) => /"level":"error"/.test(line)).slice(0, 2).join('\n');
  expect(failed, `${failed[0]?.text}\n${logged}`).toEqual([]);
}

async function perAgent(inboxId: string) {
  const rows = await steward.db
    .selectFrom('conversations')
    .select(['assignee_user_id'])
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('inbox_id', '=', inboxId)
    .groupBy('assignee_user_id')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.assignee_user_id ?? 'unassigned', Number(r.n)]));
}

describe('assignment under concurrent arrivals on two API processes', () => {
  it('round-robin over 3 agents: 300 conversations arriving at once are assigned 100 each', async () => {
    const inboxId = await makeInbox('Round robin', 'round_robin');
    await arrive(inboxId, 300, (i) => `rr-${i}@example.org`);
    expect(await perAgent(inboxId)).toEqual({ [agents[0]!.id]: 100, [agents[1]!.id]: 100, [agents[2]!.id]: 100 });
  }, 120_000);

  it('load-balanced with a cap of 40: no agent gets more than 40, the rest wait unassigned', async () => {
    const inboxId = await makeInbox('Balanced', 'load_balanced', 40);
    // Each of these waits for the inbox's lock while holding a database connection: 60 at a time
    // (30 per process) keeps them within the connection pool's wait limit on a small machine.
    await arrive(inboxId, 300, (i) => `lb-${i}@example.org`, 60);
    expect(await perAgent(inboxId)).toEqual({ [agents[0]!.id]: 40, [agents[1]!.id]: 40, [agents[2]!.id]: 40, unassigned: 180 });

    // Resolving frees a place: the next arrival goes to the agent below the cap.
    const one = await steward.db.selectFrom('conversations').select('id').where('inbox_id', '=', inboxId).where('assignee_user_id', '=', agents[1]!.id).executeTakeFirstOrThrow();
    await steward.db.updateTable('conversations').set({ status: 'resolved', resolved_at: new Date() }).where('id', '=', one.id).execute();
    await arrive(inboxId, 3, (i) => `lb-late-${i}@example.org`);
    const after = await perAgent(inboxId);
    expect(after[agents[1]!.id]).toBe(41); // 40 open + the resolved one
    expect(after.unassigned).toBe(182);
  }, 120_000);

  it('many messages at once from one new sender make one contact and one conversation', async () => {
    const inboxId = await makeInbox('Burst', 'round_robin');
    await arrive(inboxId, 30, () => 'burst@example.org');
    // One conversation, given to whichever agent's turn its first message held.
    const assigned = await perAgent(inboxId);
    expect(Object.values(assigned)).toEqual([1]);
    expect(agents.map((a) => a.id)).toContain(Object.keys(assigned)[0]);
    const messages = await steward.db.selectFrom('conversation_messages as m').innerJoin('conversations as c', 'c.id', 'm.conversation_id').select('m.id').where('c.inbox_id', '=', inboxId).execute();
    expect(messages).toHaveLength(30);
    expect(await steward.db.selectFrom('contacts').select('id').where('email', '=', 'burst@example.org').execute()).toHaveLength(1);
  }, 60_000);
});
