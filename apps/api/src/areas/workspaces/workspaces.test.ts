import { describe, expect, it } from 'vitest';
import { addSignedInMember, insertContacts, seedOrganisation, useStewardApp } from '@steward/test-kit';

const steward = useStewardApp({ workers: false, organisation: 'Acme' });

type Workspace = { id: string; slug: string; name: string; timezone: string; dateFormat: string; kind: string };
const call = <T = unknown>(path: string, input: Record<string, unknown>, kind: 'query' | 'mutation' = 'mutation') => steward.org.admin.agent.trpc<T>(path, input, kind);
const create = (name: string, slug: string) => call<Workspace>('workspaces.create', { organisationId: steward.org.organisationId, name, slug });

describe('workspaces', () => {
  it('creates a chapter workspace and lists it with the global one', async () => {
    const created = await create('Paris', 'paris');
    expect(created.data).toMatchObject({ name: 'Paris', slug: 'paris', kind: 'chapter' });
    const listed = await call<Workspace[]>('workspaces.list', { organisationId: steward.org.organisationId }, 'query');
    expect(listed.data.map((w) => w.slug)).toEqual(expect.arrayContaining(['global', 'chapter', 'paris']));
  });

  it('refuses a slug that is taken, with a message naming it', async () => {
    await create('Lyon', 'lyon');
    const again = await create('Lyon again', 'lyon');
    expect(again.error?.data.code).toBe('CONFLICT');
    expect(again.error?.message).toBe("A workspace with the slug 'lyon' already exists.");
  });

  it.each(['Paris', 'paris office', 'paris--office', '-paris', 'pâris'])('refuses the slug %j', async (slug) => {
    const refused = await create('Bad', slug);
    expect(refused.status).toBe(400);
    expect(refused.error?.message).toContain('lowercase letters');
  });

  it('keeps an old slug redirecting after a rename, until another workspace claims it', async () => {
    const ws = (await create('Nice', 'nice')).data;
    const renamed = await call<Workspace>('workspaces.update', { workspaceId: ws.id, slug: 'nice-cote-azur' });
    expect(renamed.data.slug).toBe('nice-cote-azur');
    const old = await call<{ workspace: Workspace; redirectedFrom: string | null }>('workspaces.bySlug', { organisationId: steward.org.organisationId, slug: 'nice' }, 'query');
    expect(old.data).toMatchObject({ workspace: { id: ws.id, slug: 'nice-cote-azur' }, redirectedFrom: 'nice' });
    const claimed = await create('New Nice', 'nice');
    const now = await call<{ workspace: Workspace; redirectedFrom: string | null }>('workspaces.bySlug', { organisationId: steward.org.organisationId, slug: 'nice' }, 'query');
    expect(now.data).toMatchObject({ workspace: { id: claimed.data.id }, redirectedFrom: null });
  });

  it('validates general settings: IANA time zone and date format', async () => {
    const ws = (await create('Tokyo', 'tokyo')).data;
    const good = await call<Workspace>('workspaces.update', { workspaceId: ws.id, timezone: 'Asia/Tokyo', dateFormat: 'MM/DD/YYYY', defaultLanguage: 'ja' });
    expect(good.data).toMatchObject({ timezone: 'Asia/Tokyo', dateFormat: 'MM/DD/YYYY' });
    const badZone = await call('workspaces.update', { workspaceId: ws.id, timezone: 'Mars/Olympus' });
    expect(badZone.error?.message).toContain('IANA time zone');
    const badFormat = await call('workspaces.update', { workspaceId: ws.id, dateFormat: 'YYYY-MM-DD' });
    expect(badFormat.status).toBe(400);
  });

  it('answers 400, not 500, to an update that changes nothing', async () => {
    const refused = await call('workspaces.update', { workspaceId: steward.org.chapterWorkspaceId });
    expect(refused.status).toBe(400);
    expect(refused.error?.message).toContain('Change at least one setting');
  });

  it('never deletes the global workspace', async () => {
    const refused = await call('workspaces.delete', { workspaceId: steward.org.globalWorkspaceId, confirmSlug: 'global' });
    expect(refused.error?.data.code).toBe('BAD_REQUEST');
    expect(refused.error?.message).toContain('global workspace cannot be deleted');
  });

  it('previews and then deletes a workspace, moving its contacts to the global workspace', async () => {
    const ws = (await create('Berlin', 'berlin')).data;
    await insertContacts(steward.app.db, steward.org.organisationId, ws.id, 250);
    await addSignedInMember(steward.app, steward.org.organisationId, 'berliner@acme.example', 'member', [{ workspaceId: ws.id, role: 'member' }]);
    const preview = await call('workspaces.deletePreview', { workspaceId: ws.id }, 'query');
    expect(preview.data).toEqual({ name: 'Berlin', slug: 'berlin', deletable: true, contactsToMove: 250, membersLosingAccess: 1, companiesToDelete: 0, dealsToDelete: 0 });

    const unconfirmed = await call('workspaces.delete', { workspaceId: ws.id, confirmSlug: 'berlin-typo' });
    expect(unconfirmed.error?.message).toContain("type the workspace's slug 'berlin'");

    // One of them is already known to the global workspace, with values of the chapter's own there.
    const shared = await steward.app.db.selectFrom('contact_workspaces').select('contact_id').where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    await steward.app.db.insertInto('contact_workspaces').values({ workspace_id: steward.org.globalWorkspaceId, contact_id: shared.contact_id, organisation_id: steward.org.organisationId, field_values: JSON.stringify({ kept: 1 }) }).execute();
    await steward.app.db.updateTable('contact_workspaces').set({ field_values: JSON.stringify({ dropped: 1 }) }).where('workspace_id', '=', ws.id).execute();
    const globalBefore = await steward.app.db.selectFrom('contact_workspaces').select('contact_id').where('workspace_id', '=', steward.org.globalWorkspaceId).execute();
    const deleted = await call('workspaces.delete', { workspaceId: ws.id, confirmSlug: 'berlin' });
    expect(deleted.data).toMatchObject({ movedContacts: 250, movedTo: steward.org.globalWorkspaceId });
    const globalAfter = await steward.app.db.selectFrom('contact_workspaces').select(['contact_id', 'field_values']).where('workspace_id', '=', steward.org.globalWorkspaceId).execute();
    expect(globalAfter.length - globalBefore.length).toBe(249);
    expect(globalAfter.find((l) => l.contact_id === shared.contact_id)?.field_values).toEqual({ kept: 1 });
    expect(globalAfter.filter((l) => 'dropped' in l.field_values)).toEqual([]);
    expect(await steward.app.db.selectFrom('contact_workspaces').select('contact_id').where('workspace_id', '=', ws.id).execute()).toEqual([]);
    expect(await steward.app.db.selectFrom('workspaces').select('id').where('id', '=', ws.id).executeTakeFirst()).toBeUndefined();
  });
});

describe('workspace logos', () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4c50000000049454e44ae426082', 'hex');

  it('stores a PNG and serves it with its content type to members only', async () => {
    const ws = (await create('Logo', 'logo')).data;
    const saved = await call('workspaces.setLogo', { workspaceId: ws.id, contentType: 'image/png', data: png.toString('base64') });
    expect(saved.error).toBeNull();
    const response = await steward.org.admin.agent.request(`/workspace-logos/${ws.id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await response.arrayBuffer()).equals(png)).toBe(true);
    const outsider = await seedOrganisation(steward.app, 'Outsiders');
    expect((await outsider.admin.agent.request(`/workspace-logos/${ws.id}`)).status).toBe(404);
    expect((await steward.app.agent().request(`/workspace-logos/${ws.id}`)).status).toBe(404);
    expect((await steward.org.admin.agent.request(`/workspace-logos/${'-'.repeat(36)}`)).status).toBe(404);
  });

  it('serves an SVG so that any script in it cannot run', async () => {
    const ws = (await create('Svg', 'svg')).data;
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script><circle r="4"/></svg>';
    await call('workspaces.setLogo', { workspaceId: ws.id, contentType: 'image/svg+xml', data: Buffer.from(svg).toString('base64') });
    const response = await steward.org.admin.agent.request(`/workspace-logos/${ws.id}`);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain('sandbox');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('refuses a file whose content is not the declared type, and files over 512 KB', async () => {
    const ws = (await create('Bad logo', 'bad-logo')).data;
    const lie = await call('workspaces.setLogo', { workspaceId: ws.id, contentType: 'image/png', data: Buffer.from('<html>hi</html>').toString('base64') });
    expect(lie.error?.message).toContain('must be a PNG, JPEG or SVG');
    const huge = Buffer.concat([png, Buffer.alloc(600 * 1024)]);
    const tooBig = await call('workspaces.setLogo', { workspaceId: ws.id, contentType: 'image/png', data: huge.toString('base64') });
    expect(tooBig.status).toBeGreaterThanOrEqual(400);
    expect(tooBig.status).toBeLessThan(500);
  });
});

describe('the other organisation', () => {
  it("cannot read, change or delete this organisation's workspaces", async () => {
    const other = await seedOrganisation(steward.app, 'Rival');
    for (const [path, input, kind] of [
      ['workspaces.get', { workspaceId: steward.org.chapterWorkspaceId }, 'query'],
      ['workspaces.update', { workspaceId: steward.org.chapterWorkspaceId, name: 'Hijacked' }, 'mutation'],
      ['workspaces.delete', { workspaceId: steward.org.chapterWorkspaceId, confirmSlug: 'chapter' }, 'mutation'],
      ['workspaces.list', { organisationId: steward.org.organisationId }, 'query'],
    ] as const) {
      const result = await other.admin.agent.trpc(path, input, kind);
      expect(result.error?.data.code, path).toBe('NOT_FOUND');
    }
  });
});
