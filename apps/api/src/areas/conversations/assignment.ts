import { type AssignmentRule, type Database, sql, type Transaction } from '@steward/db';

/**
 * Who gets a new conversation, decided under the inbox's row lock (taken by the caller), so that
 * concurrent arrivals — on any number of API processes — are handed out one after another:
 * - round-robin: agents in the order they joined, a counter on the inbox says whose turn it is;
 * - load-balanced: the agent with the fewest open conversations in this inbox, never beyond the cap
 *   (everyone at the cap: the conversation waits unassigned);
 * - manual: nobody.
 */
export async function pickAssignee(
  trx: Transaction<Database>,
  inbox: { id: string; assignment: AssignmentRule; agent_cap: number | null; round_robin_next: string },
): Promise<string | null> {
  if (inbox.assignment === 'manual') return null;
  const agents = await trx
    .selectFrom('inbox_agents as a')
    .select('a.user_id')
    .select((eb) =>
      eb
        .selectFrom('conversations as c')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('c.inbox_id', '=', 'a.inbox_id')
        .whereRef('c.assignee_user_id', '=', 'a.user_id')
        .where('c.status', '=', 'open')
        .as('open'),
    )
    .where('a.inbox_id', '=', inbox.id)
    .orderBy('a.added_at')
    .orderBy('a.user_id')
    .execute();
  if (agents.length === 0) return null;
  if (inbox.assignment === 'round_robin') {
    const turn = Number(BigInt(inbox.round_robin_next) % BigInt(agents.length));
    await trx.updateTable('inboxes').set({ round_robin_next: sql<string>`round_robin_next + 1` }).where('id', '=', inbox.id).execute();
    return agents[turn]!.user_id;
  }
  const cap = inbox.agent_cap ?? Number.POSITIVE_INFINITY;
  let best: { user_id: string; open: number } | null = null;
  for (const agent of agents) {
    const open = Number(agent.open ?? 0);
    if (open >= cap) continue;
    if (!best || open < best.open) best = { user_id: agent.user_id, open };
  }
  return best?.user_id ?? null;
}

/** The inbox as assignment needs it, locked until the transaction ends. */
export function lockInbox(trx: Transaction<Database>, inboxId: string) {
  return trx
    .selectFrom('inboxes as i')
    .innerJoin('workspaces as w', 'w.id', 'i.workspace_id')
    .selectAll('i')
    .select('w.timezone')
    .where('i.id', '=', inboxId)
    .forUpdate('i')
    .executeTakeFirst();
}
export type LockedInbox = NonNullable<Awaited<ReturnType<typeof lockInbox>>>;
