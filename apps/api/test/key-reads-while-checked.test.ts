import { describe, expect, it } from 'vitest';
import { connectDatabase, sql } from '@steward/db';
import { addSignedInMember, insertContacts, startTestApp, useStewardApp } from '@steward/test-kit';

/**
 * A key's read may start while the key is checked again (see `authedProcedure`); whatever changed
 * meanwhile, the answer is the one a check-first server would have given.
 */
const steward = useStewardApp({ workers: false, env: { REST_RATE_LIMIT_PER_MINUTE: '1000' }, organisation: 'Speculation' });

async function keyOf(agent: typeof steward.org.admin.agent, scope: 'read' | 'admin' = 'read') {
  const created = await agent.trpc<{ id: string; key: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'Reader', scope }, 'mutation');
  expect(created.error, created.text).toBeNull();
  return created.data;
}

const search = (key: string, workspaceId: string, body: Record<string, unknown> = { filters: [], limit: 5 }, base = steward.app.url) =>
  fetch(`${base}/api/v1/workspaces/${workspaceId}/contacts/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('reads by a key while its standing is checked again', () => {
  it('a key revoked after a read gets 401 and no data on the next read', async () => {
    await insertContacts(steward.app.db, steward.org.organisationId, steward.org.chapterWorkspaceId, 3);
    const { id, key } = await keyOf(steward.org.admin.agent);
    expect((await search(key, steward.org.chapterWorkspaceId)).status).toBe(200);
    expect((await search(key, steward.org.chapterWorkspaceId)).status).toBe(200);
    await steward.org.admin.agent.trpc('apiKeys.revoke', { organisationId: steward.org.organisationId, apiKeyId: id }, 'mutation');
    const after = await search(key, steward.org.chapterWorkspaceId);
    expect(after.status).toBe(401);
    const text = await after.text();
    expect(text).not.toContain('items');
  });

  it('an owner removed from the workspace between two reads is refused on the second', async () => {
    const member = await addSignedInMember(steward.app, steward.org.organisationId, 'reader@speculation.example', 'member', [
      { workspaceId: steward.org.chapterWorkspaceId, role: 'member' },
    ]);
    const { key } = await keyOf(member.agent);
    expect((await search(key, steward.org.chapterWorkspaceId)).status).toBe(200);
    await steward.app.db.deleteFrom('workspace_memberships').where('user_id', '=', member.id).execute();
    const after = await search(key, steward.org.chapterWorkspaceId);
    expect([403, 404]).toContain(after.status);
    expect(await after.text()).not.toContain('items');
  });

  it('a field added between two reads is in the second answer (the read runs again with the new definitions)', async () => {
    const { key } = await keyOf(steward.org.admin.agent);
    await insertContacts(steward.app.db, steward.org.organisationId, steward.org.chapterWorkspaceId, 1);
    const contact = await steward.app.db.selectFrom('contacts').select('id').orderBy('created_at', 'desc').limit(1).executeTakeFirstOrThrow();
    expect((await search(key, steward.org.chapterWorkspaceId)).status).toBe(200);
    const field = await steward.org.admin.agent.trpc<{ key: string }>(
      'fields.create',
      { workspaceId: steward.org.chapterWorkspaceId, entity: 'contact', label: 'Shoe size', type: 'number' },
      'mutation',
    );
    expect(field.error, field.text).toBeNull();
    const updated = await steward.org.admin.agent.trpc(
      'contacts.update',
      { workspaceId: steward.org.chapterWorkspaceId, contactId: contact.id, values: { [field.data.key]: 44 } },
      'mutation',
    );
    expect(updated.error, updated.text).toBeNull();
    const after = await search(key, steward.org.chapterWorkspaceId, { filters: [{ field: field.data.key, op: 'eq', value: 44 }], limit: 5 });
    expect(after.status).toBe(200);
    const page = (await after.json()) as { items: { id: string; values: Record<string, unknown> }[] };
    expect(page.items.map((c) => c.id)).toEqual([contact.id]);
    expect(page.items[0]!.values[field.data.key]).toBe(44);
  });

  it('a confirmed key reads while its check is held up, and its answer waits for the check', async () => {
    const { key } = await keyOf(steward.org.admin.agent);
    const finished: string[] = [];
    const watching = connectDatabase(steward.database.url, { onQuery: (sql) => finished.push(sql) });
    const app = await startTestApp({ database: { db: watching, url: steward.database.url }, workers: false, env: { REST_RATE_LIMIT_PER_MINUTE: '1000' } });
    const searched = () => finished.some((q) => /from "contact_workspaces"/.test(q));
    const blocker = connectDatabase(steward.database.url);
    try {
      // Holds every read of api_keys until released, so the key check cannot answer meanwhile.
      const holdKeyChecks = async (during: () => Promise<void>) => {
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        let locked!: () => void;
        const isLocked = new Promise<void>((resolve) => (locked = resolve));
        const holding = blocker.transaction().execute(async (trx) => {
          await sql`lock table api_keys in access exclusive mode`.execute(trx);
          locked();
          await released;
        });
        await isLocked;
        try {
          await during();
        } finally {
          release();
          await holding;
        }
      };
      const waitFor = async (condition: () => boolean, ms: number) => {
        const until = Date.now() + ms;
        while (!condition() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
        return condition();
      };

      // Never confirmed: the search waits for the key.
      let answer: Promise<Response> | undefined;
      await holdKeyChecks(async () => {
        answer = search(key, steward.org.chapterWorkspaceId, undefined, app.url);
        expect(await waitFor(searched, 400)).toBe(false);
      });
      expect((await answer!).status).toBe(200);
      expect(searched()).toBe(true);

      // Confirmed a moment ago: the search runs at once, but nothing is answered before the check.
      finished.length = 0;
      let answered = false;
      await holdKeyChecks(async () => {
        answer = search(key, steward.org.chapterWorkspaceId, undefined, app.url).then((response) => {
          answered = true;
          return response;
        });
        expect(await waitFor(searched, 5_000)).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(answered).toBe(false);
      });
      expect((await answer!).status).toBe(200);
    } finally {
      await blocker.destroy();
      await app.close();
      await watching.destroy();
    }
  });
});
