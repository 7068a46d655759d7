import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useStewardApp } from '@steward/test-kit';
import { appRouter } from '../src/router.js';

/**
 * Issue 14: `/mcp` serves the Model Context Protocol over Streamable HTTP for bearer keys; its
 * tools are the REST-exposed procedures, and each call goes through the procedure itself.
 */

const steward = useStewardApp({ workers: false, env: { REST_RATE_LIMIT_PER_MINUTE: '1000' }, organisation: 'Acme' });
const clients: Client[] = [];
let otherWorkspaceId: string;

async function createKey(input: { scope: 'read' | 'read_write' | 'admin'; workspaceId?: string }) {
  const created = await steward.org.admin.agent.trpc<{ id: string; key: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'Claude Desktop', ...input }, 'mutation');
  expect(created.error, created.text).toBeNull();
  return created.data;
}

/** An MCP client from the SDK, connected to /mcp with the key. */
async function connect(key: string) {
  const client = new Client({ name: 'steward-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${steward.app.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  clients.push(client);
  return client;
}

type ToolResult = { isError?: boolean; content: { type: string; text: string }[] };
const textOf = (result: unknown) => (result as ToolResult).content.map((c) => c.text).join('\n');

async function addContact(workspaceId: string, firstName: string) {
  const created = await steward.org.admin.agent.trpc('contacts.create', { workspaceId, firstName, email: `${firstName.toLowerCase()}@example.org` }, 'mutation');
  expect(created.error, created.text).toBeNull();
}

beforeAll(async () => {
  otherWorkspaceId = (
    await steward.app.db.insertInto('workspaces').values({ organisation_id: steward.org.organisationId, kind: 'chapter', name: 'Lyon', slug: 'lyon' }).returning('id').executeTakeFirstOrThrow()
  ).id;
  await addContact(steward.org.chapterWorkspaceId, 'Ada');
  await addContact(otherWorkspaceId, 'Grace');
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

describe('the MCP endpoint', () => {
  it('lets an MCP client with a workspace-bound read key list the tools, search that workspace\'s contacts, and be refused a write tool and another workspace', async () => {
    // The owner is an organisation admin: the key still reaches only its one workspace, and only reads.
    const { id: keyId, key } = await createKey({ scope: 'read', workspaceId: steward.org.chapterWorkspaceId });
    const client = await connect(key);
    expect(client.getInstructions()).toContain(steward.org.chapterWorkspaceId);

    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['contacts_search', 'contacts_list', 'deals_list', 'me']));
    // Listed are the tools this key could use: no writes for a read key, no organisation tools for a bound one.
    expect(names).not.toContain('contacts_create');
    expect(names).not.toContain('users_list');
    const search = tools.find((t) => t.name === 'contacts_search')!;
    expect(search.description).toContain('Contacts matching every filter');
    expect(search.inputSchema.properties).toHaveProperty('workspaceId');
    expect(search.inputSchema.properties).toHaveProperty('filters');
    expect(search.annotations?.readOnlyHint).toBe(true);

    const found = await client.callTool({ name: 'contacts_search', arguments: { workspaceId: steward.org.chapterWorkspaceId, filters: [{ field: 'firstName', op: 'contains', value: 'a' }] } });
    expect(found.isError ?? false, textOf(found)).toBe(false);
    const page = JSON.parse(textOf(found)) as { items: { firstName: string }[] };
    expect(page.items.map((c) => c.firstName)).toEqual(['Ada']);

    // A write tool, called anyway, is refused by the procedure's own scope check; nothing is created.
    const write = await client.callTool({ name: 'contacts_create', arguments: { workspaceId: steward.org.chapterWorkspaceId, firstName: 'Mallory', email: 'mallory@example.org' } });
    expect(write.isError).toBe(true);
    expect(textOf(write)).toContain('FORBIDDEN');
    expect(textOf(write)).toContain('scope (read)');
    expect(await steward.app.db.selectFrom('contacts').select('id').where('email', '=', 'mallory@example.org').executeTakeFirst()).toBeUndefined();

    // Another workspace of the same organisation is not there for this key.
    const elsewhere = await client.callTool({ name: 'contacts_search', arguments: { workspaceId: otherWorkspaceId, filters: [] } });
    expect(elsewhere.isError).toBe(true);
    expect(textOf(elsewhere)).toContain('NOT_FOUND');
    expect(textOf(elsewhere)).not.toContain('Grace');

    // Nor are organisation settings, whatever the owner holds.
    const users = await client.callTool({ name: 'users_list', arguments: { organisationId: steward.org.organisationId } });
    expect(users.isError).toBe(true);
    expect(textOf(users)).toContain('restricted to one workspace');

    const me = JSON.parse(textOf(await client.callTool({ name: 'me', arguments: {} }))) as { organisations: { workspaces: { id: string }[] }[] };
    expect(me.organisations.flatMap((o) => o.workspaces.map((w) => w.id))).toEqual([steward.org.chapterWorkspaceId]);

    const used = await steward.app.db.selectFrom('api_keys').select('last_used_at').where('id', '=', keyId).executeTakeFirstOrThrow();
    expect(used.last_used_at).toBeInstanceOf(Date);
  });

  it('takes each tool\'s input schema from the same zod schema as the REST surface', async () => {
    const { key } = await createKey({ scope: 'admin' });
    const { tools } = await (await connect(key)).listTools();
    const document = (await (await fetch(`${steward.app.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId: string; summary: string; parameters?: { name: string }[]; requestBody?: { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } } }>>;
    };
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    // Every REST operation is a tool, except changes no key may make (those without access, e.g. creating an organisation).
    const procedures = (appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: string; meta?: { access?: unknown } } }> } })._def.procedures;
    const keyless = (operationId: string) => {
      const procedure = procedures[operationId.replace(/-/g, '.')]!;
      return procedure._def.type === 'mutation' && !procedure._def.meta?.access;
    };
    expect(tools.map((t) => t.name).sort()).toEqual(operations.filter((o) => !keyless(o.operationId)).map((o) => o.operationId.replace(/-/g, '_')).sort());
    for (const operation of operations.filter((o) => !keyless(o.operationId))) {
      const tool = tools.find((t) => t.name === operation.operationId.replace(/-/g, '_'));
      expect(tool!.description).toContain(operation.summary);
      const restFields = [...(operation.parameters ?? []).map((p) => p.name), ...Object.keys(operation.requestBody?.content['application/json'].schema.properties ?? {})];
      expect(Object.keys(tool!.inputSchema.properties ?? {}).sort(), operation.operationId).toEqual([...new Set(restFields)].sort());
    }
  });

  it('goes through the same procedure, checks and audit as the console: a bound read_write key creates a contact there, audited as the key', async () => {
    const { id: keyId, key } = await createKey({ scope: 'read_write', workspaceId: steward.org.chapterWorkspaceId });
    const client = await connect(key);
    const invalid = await client.callTool({ name: 'contacts_create', arguments: { workspaceId: steward.org.chapterWorkspaceId, email: 'not an email' } });
    expect(invalid.isError).toBe(true);
    expect(textOf(invalid)).toContain('BAD_REQUEST');
    const created = await client.callTool({ name: 'contacts_create', arguments: { workspaceId: steward.org.chapterWorkspaceId, firstName: 'Linus', email: 'linus@example.org' } });
    expect(created.isError ?? false, textOf(created)).toBe(false);
    const audit = await steward.app.db.selectFrom('audit_log').select(['action', 'actor_api_key_id', 'workspace_id', 'actor_email']).where('actor_api_key_id', '=', keyId).execute();
    expect(audit).toEqual([{ action: 'contacts.create', actor_api_key_id: keyId, workspace_id: steward.org.chapterWorkspaceId, actor_email: steward.org.admin.email }]);
    // Settings stay out of a read_write key's reach.
    const settings = await client.callTool({ name: 'workspaces_update', arguments: { workspaceId: steward.org.chapterWorkspaceId, name: 'Renamed' } });
    expect(settings.isError).toBe(true);
    expect(textOf(settings)).toContain('FORBIDDEN');
  });

  it('refuses a missing, unknown or revoked key with 401 before any MCP exchange', async () => {
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } } };
    const post = (headers: Record<string, string>) =>
      fetch(`${steward.app.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(initialize) });
    const none = await post({});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect((await post({ authorization: 'Bearer pai_invented' })).status).toBe(401);
    const { id, key } = await createKey({ scope: 'read' });
    expect((await post({ authorization: `Bearer ${key}` })).status).toBe(200);
    await steward.org.admin.agent.trpc('apiKeys.revoke', { organisationId: steward.org.organisationId, apiKeyId: id }, 'mutation');
    expect((await post({ authorization: `Bearer ${key}` })).status).toBe(401);
    // Stateless: there is no stream to open with GET.
    expect((await fetch(`${steward.app.url}/mcp`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(405);
  });
});
