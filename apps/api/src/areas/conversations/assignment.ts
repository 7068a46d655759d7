import { type AssignmentRule, type Database, type Db, sql, type Transaction } from '@steward/db';
import type { ExpressionBuilder } from 'kysely';

/**
 * Who gets a new conversation:
 * - round-robin: agents in the order they joined; a counter on the inbox, taken in its own short
 *   statement before the arrival's transaction (`takeRoundRobinTurn`), says whose turn it is, so
 *   concurrent arrivals on any number of processes get consecutive turns without waiting on each other;
 * - load-balanced: the agent with the fewest open conversations in this inbox, never beyond the cap
 *   (everyone at the cap: the conversation waits unassigned). Counting and inserting must not
 *   interleave, so this is decided under the inbox's row lock (`lockInbox`), held to commit;
 * - manual: nobody.
 */
export async function pickAssignee(
  trx: Transaction<Database>,
  inbox: { id: string; organisation_id: string; workspace_id: string; assignment: AssignmentRule; agent_cap: number | null },
  turn: bigint | null,
): Promise<string | null> {
  if (inbox.assignment === 'manual') return null;
  const agents = await workingAgents(trx, inbox)
    .select('a.user_id')
    .select((eb) => openConversationsOfAgent(eb).as('open'))
    .orderBy('a.added_at')
    .orderBy('a.user_id')
    .execute();
  if (agents.length === 0) return null;
  // No turn taken beforehand (the sender seemed to have an open conversation): take it now, in this transaction.
  if (inbox.assignment === 'round_robin') return agents[Number((turn ?? (await takeRoundRobinTurn(trx, inbox.id))) % BigInt(agents.length))]!.user_id;
  const cap = inbox.agent_cap ?? Number.POSITIVE_INFINITY;
  let best: { user_id: string; open: number } | null = null;
  for (const agent of agents) {
    const open = Number(agent.open ?? 0);
    if (open >= cap) continue;
    if (!best || open < best.open) best = { user_id: agent.user_id, open };
  }
  return best?.user_id ?? null;
}

/** How many open conversations of the inbox the agent `a` (an `inbox_agents` row) has, less one conversation if given. */
export function openConversationsOfAgent(eb: ExpressionBuilder<Database & { a: Database['inbox_agents'] }, 'a'>, exceptConversationId?: string) {
  let count = eb
    .selectFrom('conversations as c')
    .select(eb.fn.countAll<string>().as('n'))
    .whereRef('c.inbox_id', '=', 'a.inbox_id')
    .whereRef('c.assignee_user_id', '=', 'a.user_id')
    .where('c.status', '=', 'open');
  if (exceptConversationId) count = count.where('c.id', '!=', exceptConversationId);
  return count;
}

/**
 * The inbox's agents who can still work it: in the organisation, with an effective role of member
 * or admin in the workspace (an agent removed from the organisation or made a viewer is skipped).
 */
export function workingAgents(trx: Transaction<Database>, inbox: { id: string; organisation_id: string; workspace_id: string }) {
  const working = ['member', 'admin'] as const;
  return trx
    .selectFrom('inbox_agents as a')
    .innerJoin('memberships as m', (j) => j.onRef('m.user_id', '=', 'a.user_id').on('m.organisation_id', '=', inbox.organisation_id))
    .where('a.inbox_id', '=', inbox.id)
    .where((eb) =>
      eb.or([
        eb('m.org_role', '=', 'admin'),
        eb.exists(
          eb.selectFrom('workspace_memberships as wm').select(sql`1`.as('one')).whereRef('wm.user_id', '=', 'a.user_id').where('wm.workspace_id', '=', inbox.workspace_id).where('wm.role', 'in', working),
        ),
        eb.exists(
          eb
            .selectFrom('workspace_memberships as gm')
            .innerJoin('workspaces as g', 'g.id', 'gm.workspace_id')
            .select(sql`1`.as('one'))
            .whereRef('gm.user_id', '=', 'a.user_id')
            .where('g.organisation_id', '=', inbox.organisation_id)
            .where('g.kind', '=', 'global')
            .where('gm.role', 'in', working),
        ),
      ]),
    );
}

/** The next round-robin turn of an inbox, in one statement of its own (committed at once). */
export async function takeRoundRobinTurn(db: Db | Transaction<Database>, inboxId: string): Promise<bigint> {
  const row = await db
    .updateTable('inboxes')
    .set({ round_robin_next: sql<string>`round_robin_next + 1` })
    .where('id', '=', inboxId)
    .where('assignment', '=', 'round_robin')
    .returning(sql<string>`round_robin_next - 1`.as('turn'))
    .executeTakeFirst();
  return BigInt(row?.turn ?? 0);
}

const inboxColumns = (trx: Transaction<Database>) =>
  trx.selectFrom('inboxes as i').innerJoin('workspaces as w', 'w.id', 'i.workspace_id').selectAll('i').select('w.timezone');

/** The inbox as an arrival needs it (not locked). */
export function readInbox(trx: Transaction<Database>, inboxId: string) {
  return inboxColumns(trx).where('i.id', '=', inboxId).executeTakeFirst();
}

/** The inbox, locked until the transaction ends: load-balanced assignment and hand assignment take it. */
export function lockInbox(trx: Transaction<Database>, inboxId: string) {
  return inboxColumns(trx).where('i.id', '=', inboxId).forUpdate('i').executeTakeFirst();
}
export type LockedInbox = NonNullable<Awaited<ReturnType<typeof lockInbox>>>;
