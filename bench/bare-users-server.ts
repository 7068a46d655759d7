/**
 * The baseline of the REST throughput benchmark: a bare Express + `pg` route that does what
 * `GET /api/v1/organisations/{id}/users` does for a bearer key — the same key check and the same
 * SQL, in four round trips (key and membership in one query; then page, count and invitations in
 * parallel; then workspace roles) — with no framework around it. Started as its own process.
 */
import { createHash } from 'node:crypto';
import express from 'express';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = express();

app.get('/api/v1/organisations/:organisationId/users', async (req, res) => {
  const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  if (!match) return res.status(401).json({ message: 'No key' });
  const hash = createHash('sha256').update(match[1]!).digest('hex');
  const organisationId = req.params.organisationId;
  const key = await pool.query(
    `select k.id, k.organisation_id, k.scope, u.id as user_id, m.org_role
       from api_keys k join users u on u.id = k.user_id
       join memberships m on m.organisation_id = k.organisation_id and m.user_id = k.user_id
      where k.key_hash = $1 and k.revoked_at is null and (k.expires_at is null or k.expires_at > now())`,
    [hash],
  );
  const caller = key.rows[0];
  if (!caller) return res.status(401).json({ message: 'Invalid key' });
  if (caller.organisation_id !== organisationId) return res.status(404).json({ message: 'Not found' });
  const pageSize = Math.min(Number(req.query.pageSize ?? 25), 100);
  const page = Math.max(Number(req.query.page ?? 1), 1);
  const [members, total, invitations] = await Promise.all([
    pool.query(
      `select u.id as "userId", u.name, u.email, u.avatar_url as "avatarUrl", m.org_role as "orgRole",
              u.last_sign_in_at as "lastSignInAt", m.created_at as "joinedAt"
         from memberships m join users u on u.id = m.user_id
        where m.organisation_id = $1 order by u.name, u.email limit $2 offset $3`,
      [organisationId, pageSize, (page - 1) * pageSize],
    ),
    pool.query('select count(*)::int as count from memberships m join users u on u.id = m.user_id where m.organisation_id = $1', [organisationId]),
    pool.query(
      `select id as "invitationId", email, org_role as "orgRole", workspace_roles as "workspaceRoles", created_at as "invitedAt",
              expires_at as "expiresAt", email_status as "emailStatus", email_error as "emailError"
         from invitations where organisation_id = $1 and kind = 'link' and accepted_at is null and revoked_at is null
        order by created_at desc limit 200`,
      [organisationId],
    ),
  ]);
  const roles = await pool.query(
    `select wm.user_id, w.id as "workspaceId", w.name as "workspaceName", w.kind as "workspaceKind", wm.role
       from workspace_memberships wm join workspaces w on w.id = wm.workspace_id
      where wm.organisation_id = $1 and wm.user_id = any($2) order by w.kind, w.name`,
    [organisationId, members.rows.map((m) => m.userId)],
  );
  const byUser = new Map<string, unknown[]>();
  for (const { user_id, ...role } of roles.rows) byUser.set(user_id, [...(byUser.get(user_id) ?? []), role]);
  const now = Date.now();
  res.json({
    members: members.rows.map((m) => ({ ...m, workspaceRoles: byUser.get(m.userId) ?? [] })),
    total: total.rows[0].count,
    page,
    pageSize,
    invitations: invitations.rows.map((i) => ({ ...i, status: 'Pending', expired: i.expiresAt.getTime() <= now })),
  });
});

const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('bare server ready'));
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
