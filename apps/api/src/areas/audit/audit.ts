import type { Db } from '@steward/db';

export interface AuditFilter {
  actorUserId?: string;
  action?: string;
  workspaceId?: string;
  from?: Date;
  to?: Date;
  page: number;
  pageSize: number;
}

/** The organisation's audit log, newest first, filtered and paged. */
export async function listAuditEntries(db: Db, organisationId: string, filter: AuditFilter) {
  let query = db.selectFrom('audit_log').where('organisation_id', '=', organisationId);
  if (filter.actorUserId) query = query.where('actor_user_id', '=', filter.actorUserId);
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.workspaceId) query = query.where('workspace_id', '=', filter.workspaceId);
  if (filter.from) query = query.where('occurred_at', '>=', filter.from);
  if (filter.to) query = query.where('occurred_at', '<', filter.to);
  const [entries, total, actions, actors] = await Promise.all([
    query
      .select([
        'id',
        'occurred_at as occurredAt',
        'workspace_id as workspaceId',
        'actor_user_id as actorUserId',
        'actor_email as actorEmail',
        'actor_api_key_id as actorApiKeyId',
        'action',
        'target_type as targetType',
        'target_id as targetId',
        'before',
        'after',
        'request_id as requestId',
        'ip',
      ])
      .orderBy('occurred_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.pageSize)
      .offset((filter.page - 1) * filter.pageSize)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
    db.selectFrom('audit_log').select('action').distinct().where('organisation_id', '=', organisationId).orderBy('action').execute(),
    // Everyone who ever acted here, including people since removed: the actor filter's choices.
    db
      .selectFrom('audit_log')
      .select(['actor_user_id as userId', 'actor_email as email'])
      .distinct()
      .where('organisation_id', '=', organisationId)
      .where('actor_user_id', 'is not', null)
      .orderBy('actor_email')
      .limit(1000)
      .execute(),
  ]);
  return {
    entries,
    total: total.count,
    page: filter.page,
    pageSize: filter.pageSize,
    actions: actions.map((a) => a.action),
    actors: actors.map((a) => ({ userId: a.userId!, email: a.email ?? '' })),
  };
}
