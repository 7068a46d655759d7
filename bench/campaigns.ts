/**
 * A campaign to a million: one workspace of BENCH_CONTACTS (default 1,000,000) contacts, 10 % of
 * whom do not receive the category, in each of the ways consent says no (seed 000's order):
 * 4 % unsubscribed from the category, 3 % switched the workspace off, 3 % unsubscribed globally.
 * Through the production server with a bearer key: the campaign is written, its audience counted,
 * and sent now. Measured:
 * - the freeze: the send request, which freezes the audience into campaign_recipients in its
 *   transaction (target ≤ 2 s);
 * - the send, until every recipient is final, through the MailerSend stand-in (counting mode) with
 *   the account's pace lifted to the setting's maximum (MAILERSEND_BULK_REQUESTS_PER_MINUTE=6000):
 *   messages per second, and the peak RSS (VmHWM) of the server process, which runs the API and
 *   the send worker (target ≤ 300 MB);
 * - then checked: the stand-in received exactly the addresses that receive the category, each once.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase, createDatabaseIfMissing, migrateToLatest, sql, startEmbeddedPostgres } from '@steward/db';
import { createApiKey } from '../apps/api/src/areas/api-keys/api-keys.js';
import { createOrganisation } from '../apps/api/src/areas/organisations/bootstrap.js';
import { TEST_SECRET_KEY } from '../packages/test-kit/src/app.js';
import { startFakeMailerSend } from '../packages/test-kit/src/fake-mailersend.js';
import { actorFor, addMember } from '../packages/test-kit/src/seed.js';
import { buildProductionServer, cpuMsOf, format, memoryOf, startServerProcess, treeCpuMsOf } from './load.js';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 1_000_000);
const TARGET_FREEZE_MS = 2_000;
const TARGET_RSS_MB = 300;
/** A send that has not finished after this long is a failure, not a slow result. */
const SEND_TIMEOUT_MS = Number(process.env.BENCH_SEND_TIMEOUT_SECONDS ?? 1800) * 1000;

/** Who does not receive the category, by contact number: 4 % category, 3 % workspace, 3 % global. */
const optOut = (n: number): 'category' | 'workspace' | 'global' | null => {
  const r = n % 100;
  return r < 4 ? 'category' : r < 7 ? 'workspace' : r < 10 ? 'global' : null;
};
const addressOf = (n: number) => `person-${n}@bench.example`;

const progress = (step: string) => console.error(`  … ${step}`);

async function main() {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'steward-bench-campaigns-'));
  await fs.chmod(dataDir, 0o755);
  const cluster = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg') });
  await createDatabaseIfMissing(cluster.url, 'bench');
  const databaseUrl = cluster.databaseUrl('bench');
  const db = connectDatabase(databaseUrl, { statementTimeoutMs: 600_000 });
  const mailer = await startFakeMailerSend({ countOnly: true });
  let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  try {
    await migrateToLatest(db);
    const { organisationId } = await createOrganisation(db, { name: 'Bench', adminEmail: 'bench@example.org' });
    const admin = await addMember(db, organisationId, 'bench@example.org', 'admin');
    const workspaceId = (await db.insertInto('workspaces').values({ organisation_id: organisationId, kind: 'chapter', name: 'Big chapter', slug: 'big' }).returning('id').executeTakeFirstOrThrow()).id;
    const { key } = await createApiKey(db, actorFor(admin), organisationId, { name: 'bench', scope: 'admin' });

    server = await startServerProcess(
      await buildProductionServer(),
      {
        NODE_ENV: 'test',
        DATABASE_URL: databaseUrl,
        STEWARD_SECRET_KEY: TEST_SECRET_KEY,
        STEWARD_DEV_SIGN_IN: 'on',
        LOG_LEVEL: 'info',
        REST_RATE_LIMIT_PER_MINUTE: '100000',
        JOB_POLLING_INTERVAL_SECONDS: '0.5',
        ...mailer.env(),
        // The account's pace, lifted: the setting's maximum (100 bulk requests a second).
        MAILERSEND_BULK_REQUESTS_PER_MINUTE: '6000',
      },
      'Steward is running',
    );
    const api = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${server!.url}/api/v1${route}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${text.slice(0, 300)}`);
      return JSON.parse(text) as T;
    };
    const category = await api<{ id: string }>('POST', `/workspaces/${workspaceId}/email-categories`, { name: 'Newsletter', subscribedByDefault: true });

    progress(`seeding ${format(CONTACTS)} contacts`);
    let started = performance.now();
    const BATCH = 100_000;
    for (let from = 1; from <= CONTACTS; from += BATCH) {
      const to = Math.min(CONTACTS, from + BATCH - 1);
      // Contact n: person-n@bench.example; its opt-out (if any) decided by n as in optOut().
      await sql`
        with people as (
          insert into contacts (organisation_id, first_name, last_name, email, created_in_workspace_id, unsubscribed_at)
          select ${organisationId}::uuid, 'Person', 'No. ' || n, 'person-' || n || '@bench.example', ${workspaceId}::uuid,
            case when n % 100 between 7 and 9 then now() end
          from generate_series(${from}::int, ${to}::int) as n
          returning id, substr(last_name, 5)::int as n
        ), links as (
          insert into contact_workspaces (workspace_id, contact_id, organisation_id, subscription)
          select ${workspaceId}::uuid, id, ${organisationId}::uuid, case when n % 100 between 4 and 6 then 'unsubscribed' else 'neutral' end
          from people
        )
        -- Category choices: the 4 % who left it, and 10 % who confirmed it (a choice, same as the default).
        insert into contact_categories (category_id, contact_id, organisation_id, status)
        select ${category.id}::uuid, id, ${organisationId}::uuid, case when n % 100 < 4 then 'unsubscribed' else 'subscribed' end
        from people where n % 100 < 4 or n % 100 between 10 and 19`.execute(db);
      progress(`${format(to)} contacts`);
    }
    for (const table of ['contacts', 'contact_workspaces', 'contact_categories']) await sql`vacuum analyze ${sql.table(table)}`.execute(db);
    const seededIn = (performance.now() - started) / 1000;

    const expected = Array.from({ length: CONTACTS }, (_, k) => k + 1).filter((n) => optOut(n) === null).length;
    const audience = await api<{ count: number }>('POST', `/workspaces/${workspaceId}/campaigns/audience`, { categoryId: category.id, filters: [] });
    if (audience.count !== expected) throw new Error(`The audience counts ${audience.count}, expected ${expected}`);
    const campaign = await api<{ id: string }>('POST', `/workspaces/${workspaceId}/campaigns`, {
      name: 'Autumn newsletter',
      subject: 'News for you, {{firstName}}',
      htmlBody: '<h1>Hello {{fullName}}</h1><p>This autumn at {{workspaceName}}: three events near you, and how to help.</p><p>Sent to {{email}}.</p>',
      textBody: 'Hello {{fullName}},\n\nThis autumn at {{workspaceName}}: three events near you, and how to help.\n\nSent to {{email}}.',
      categoryId: category.id,
      filters: [],
    });

    const idle = await memoryOf(server.pid);
    progress(`server up (RSS ${idle.nowMb.toFixed(0)} MB); sending to ${format(expected)}`);
    // The CPU the freeze took, beside its wall time: on a shared machine the wall time is mostly waiting.
    const postmaster = Number((await fs.readFile(path.join(cluster.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const cpuBefore = { db: await treeCpuMsOf(postmaster), server: await cpuMsOf(server.pid) };
    const loadDuringFreeze = os.loadavg()[0]!;
    started = performance.now();
    const sent = await api<{ state: string }>('POST', `/workspaces/${workspaceId}/campaigns/${campaign.id}/send`, {});
    const freezeMs = performance.now() - started;
    const freezeCpu = { db: (await treeCpuMsOf(postmaster)) - cpuBefore.db, server: (await cpuMsOf(server.pid)) - cpuBefore.server };
    const sendStartedAt = Date.now();
    if (sent.state !== 'sending') throw new Error(`The campaign is ${sent.state} after the send request`);
    const frozen = (await db.selectFrom('campaign_audiences').select('size').where('campaign_id', '=', campaign.id).executeTakeFirstOrThrow()).size;
    const afterFreeze = await memoryOf(server.pid);

    // Until every recipient is final; the server's RSS sampled meanwhile (VmHWM keeps the peak).
    let lastReport = Date.now();
    let state: { state: string; finished_at: Date | null; failure_reason: string | null };
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      state = await db.selectFrom('campaigns').select(['state', 'finished_at', 'failure_reason']).where('id', '=', campaign.id).executeTakeFirstOrThrow();
      if (state.state !== 'sending') break;
      if (Date.now() - sendStartedAt > SEND_TIMEOUT_MS) throw new Error(`The send had not finished after ${SEND_TIMEOUT_MS / 1000} s (${format(mailer.counted.messages)} messages received)`);
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        const memory = await memoryOf(server.pid);
        progress(`${format(mailer.counted.messages)} messages received by the stand-in; server RSS ${memory.nowMb.toFixed(0)} MB (peak ${memory.peakMb.toFixed(0)} MB)`);
      }
    }
    const after = await memoryOf(server.pid);
    if (state.state !== 'sent' || !state.finished_at) throw new Error(`The campaign ended ${state.state}: ${state.failure_reason ?? 'no reason'}`);
    const sendSeconds = (state.finished_at.getTime() - sendStartedAt) / 1000;

    // Exactly the addresses that receive the category, each once; nobody else.
    const states = await api<{ pending: number; sending: number; sent: number; failed: number; skipped: number; total: number }>(
      'GET',
      `/workspaces/${workspaceId}/campaigns/${campaign.id}/progress`,
    );
    const problems: string[] = [];
    if (frozen !== expected) problems.push(`${format(frozen)} recipients frozen, expected ${format(expected)}`);
    if (states.sent !== expected || states.total !== expected) problems.push(`recipient states ${JSON.stringify(states)}, expected ${expected} sent`);
    if (mailer.counted.messages !== expected) problems.push(`the stand-in received ${format(mailer.counted.messages)} messages, expected ${format(expected)}`);
    let twice = 0;
    for (const count of mailer.counted.byAddress.values()) if (count > 1) twice++;
    if (twice > 0) problems.push(`${format(twice)} addresses received the campaign more than once`);
    let missing = 0;
    let unwanted = 0;
    for (let n = 1; n <= CONTACTS; n++) {
      const got = mailer.counted.byAddress.get(addressOf(n)) ?? 0;
      if (optOut(n) === null && got === 0) missing++;
      if (optOut(n) !== null && got > 0) unwanted++;
    }
    if (missing > 0) problems.push(`${format(missing)} addresses that receive the category got nothing`);
    if (unwanted > 0) problems.push(`${format(unwanted)} opted-out addresses were sent to`);
    if (mailer.counted.byAddress.size !== expected) problems.push(`${format(mailer.counted.byAddress.size)} distinct addresses received, expected ${format(expected)}`);

    const freezeMet = freezeMs <= TARGET_FREEZE_MS;
    const rssMet = after.peakMb <= TARGET_RSS_MB;
    console.log(
      `Campaign to ${format(CONTACTS)} contacts in one workspace, ${format(CONTACTS - expected)} opted out (4 % category, 3 % workspace, 3 % global; seeded in ${seededIn.toFixed(0)} s):`,
    );
    console.log(`  freeze (POST …/send: ${format(frozen)} recipients)   ${format(freezeMs).padStart(7)} ms   (target ≤ ${format(TARGET_FREEZE_MS)} ms: ${freezeMet ? 'met' : 'MISSED'})`);
    console.log(
      `    CPU it used: PostgreSQL ${format(freezeCpu.db)} ms, server ${format(freezeCpu.server)} ms; load average ${loadDuringFreeze.toFixed(1)} on ${os.cpus().length} cores when it started`,
    );
    console.log(
      `  send until every recipient is final       ${sendSeconds.toFixed(1).padStart(7)} s    ${format(expected / sendSeconds)} messages/s, ${format(mailer.bulks.length)} bulk requests (pace lifted to 6,000 a minute)`,
    );
    console.log(`  server (API + worker) peak RSS (VmHWM)    ${after.peakMb.toFixed(0).padStart(7)} MB   (target ≤ ${TARGET_RSS_MB} MB: ${rssMet ? 'met' : 'MISSED'})`);
    console.log(`    idle before the send ${idle.nowMb.toFixed(0)} MB; peak ${afterFreeze.peakMb.toFixed(0)} MB after the freeze; ${after.nowMb.toFixed(0)} MB at the end`);
    console.log(
      `  stand-in: ${format(mailer.counted.messages)} messages to ${format(mailer.counted.byAddress.size)} addresses, ${twice} twice, ${missing} missing, ${unwanted} opted out: ${problems.length === 0 ? 'exactly the audience, once each' : 'WRONG'}`,
    );
    for (const problem of problems) console.log(`    ${problem}`);
    if (!freezeMet || !rssMet || problems.length > 0) process.exitCode = 1;
  } finally {
    await server?.stop();
    await mailer.close();
    await db.destroy();
    await cluster.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
