/**
 * The baseline of the records search throughput: a bare Express + `pg` route that does what
 * `POST /api/v1/workspaces/{id}/contacts/search` does for a bearer key — the key, its owner's
 * membership and role in the workspace in one query, then the same SQL as Steward's search
 * (captured from it by bench/records.ts: the page, in parallel with the planner's estimate and the
 * capped count) — with no framework around it. Started as its own process.
 */
import { createHash } from 'node:crypto';
import express from 'express';
import pg from 'pg';
import type { CapturedSearch } from './records.js';

const search = JSON.parse(process.env.BENCH_SEARCH_SQL!) as CapturedSearch;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = express();
app.use(express.json());

app.post('/api/v1/workspaces/:workspaceId/contacts/search', async (req, res) => {
  const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  if (!match) return res.status(401).json({ message: 'No key' });
  if (!Array.isArray(req.body?.filters)) return res.status(400).json({ message: 'No filters' });
  const hash = createHash('sha256').update(match[1]!).digest('hex');
  const key = await pool.query(
    `select k.id, k.scope, m.org_role, w.id as workspace_id,
            (select role from workspace_memberships wm where wm.workspace_id = w.id and wm.user_id = k.user_id) as workspace_role
       from api_keys k join memberships m on m.organisation_id = k.organisation_id and m.user_id = k.user_id
       left join workspaces w on w.id = $2 and w.organisation_id = k.organisation_id
      where k.key_hash = $1 and k.revoked_at is null and (k.expires_at is null or k.expires_at > now())`,
    [hash, req.params.workspaceId],
  );
  const caller = key.rows[0];
  if (!caller) return res.status(401).json({ message: 'Invalid key' });
  if (!caller.workspace_id) return res.status(404).json({ message: 'Not found' });
  const [page, total] = await Promise.all([
    pool.query(search.page.sql, search.page.parameters),
    pool.query(search.explain.sql, search.explain.parameters).then(async (plan) => {
      const estimate = Math.round(plan.rows[0]['QUERY PLAN'][0].Plan['Plan Rows']);
      if (!search.count || estimate > 30_000) return estimate;
      return Number((await pool.query(search.count.sql, search.count.parameters)).rows[0].n);
    }),
  ]);
  const items = page.rows.slice(0, 50);
  res.json({ items, nextCursor: page.rows.length > 50 ? 'next' : null, total });
});

const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('bare server ready'));
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
