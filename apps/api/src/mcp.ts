import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, type CallToolResult, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { TRPCError } from '@trpc/server';
import express, { type Request, type Response } from 'express';
import { z, ZodError } from 'zod';
import type { Db } from '@steward/db';
import type { Access } from './access/matrix.js';
import { authenticateApiKey, type KeyAuthentication, readBearerKey, scopeAllows } from './auth/api-keys.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { apiKeyRateLimit } from './rest.js';
import { appRouter } from './router.js';
import { type Context, createCallerFactory } from './trpc.js';

export const MCP_PATH = '/mcp';

interface ProcedureDef {
  _def: {
    type: 'query' | 'mutation' | 'subscription';
    inputs: z.ZodObject[];
    meta?: { openapi?: { method: string; path: string; summary?: string; description?: string; enabled?: boolean }; access?: Access };
  };
}

/** One MCP tool: a REST-exposed procedure under another name, with the same zod input and access. */
interface McpTool {
  tool: Tool;
  procedurePath: string;
  type: 'query' | 'mutation';
  access: Access | undefined;
}

/**
 * The tools: every procedure the REST surface exposes (those with `openapi` meta), named after
 * the procedure (`contacts.search` → `contacts_search`), described by its OpenAPI summary, and
 * with the JSON Schema of the same zod input the REST surface and tRPC parse (one source).
 */
function buildTools(): McpTool[] {
  const procedures = (appRouter as unknown as { _def: { procedures: Record<string, ProcedureDef> } })._def.procedures;
  const tools: McpTool[] = [];
  for (const [procedurePath, procedure] of Object.entries(procedures)) {
    const { meta, inputs, type } = procedure._def;
    if (!meta?.openapi || meta.openapi.enabled === false || type === 'subscription') continue;
    // The organisation or workspace id and the procedure's own input, merged as the REST surface does.
    const input = inputs.reduce((merged, next) => merged.merge(next), z.object({}));
    const { $schema: _ignored, ...inputSchema } = z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    const { method, path, summary, description } = meta.openapi;
    tools.push({
      procedurePath,
      type,
      access: meta.access,
      tool: {
        name: procedurePath.replace(/\./g, '_'),
        description: [summary, description, `(${method} /api/v1${path})`].filter(Boolean).join('\n\n'),
        inputSchema: { ...inputSchema, type: 'object' } as Tool['inputSchema'],
        annotations: { readOnlyHint: type === 'query', destructiveHint: method === 'DELETE', openWorldHint: false },
      },
    });
  }
  return tools;
}

const createCaller = createCallerFactory(appRouter);

/** A procedure's error as the tool's answer: what the REST surface would say, never a stack. */
function toolError(error: unknown, requestId: string, logger: Logger, procedure: string): CallToolResult {
  let code = 'INTERNAL_SERVER_ERROR';
  let message = `Something went wrong on our side (request ${requestId}). It has been logged.`;
  if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR') {
    code = error.code;
    message = error.cause instanceof ZodError ? error.cause.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ') : error.message;
  } else {
    logger.error('MCP tool call failed', { procedure, requestId, error: error instanceof TRPCError ? (error.cause ?? error) : error });
  }
  return { isError: true, content: [{ type: 'text', text: `${code}: ${message}` }] };
}

function instructionsFor(caller: KeyAuthentication, workspace: { id: string; name: string } | undefined): string {
  const reach = workspace
    ? `This key is restricted to the workspace "${workspace.name}" (workspaceId ${workspace.id}): pass that workspaceId; nothing else is reachable.`
    : `This key acts in organisation ${caller.apiKey.organisationId}; call me to see its workspaces and their ids.`;
  return `Steward CRM. Tools are Steward's REST operations; each acts as ${caller.user.email} with the key's scope (${caller.apiKey.scope}), and is checked and audited like the console. ${reach}`;
}

/**
 * /mcp: the Model Context Protocol over Streamable HTTP, stateless (a server per request), for a
 * bearer key. Every tool call goes through the procedure itself (tRPC's caller with the key's
 * context), so the matrix, the key's scope and workspace, and the audit log apply unchanged.
 */
export function mcpEndpoint(deps: { config: Config; db: Db; logger: Logger; resolveCaller: (req: Request, res: Response) => Promise<Context> }) {
  const tools = buildTools();
  const byName = new Map(tools.map((t) => [t.tool.name, t]));
  const router = express.Router();

  const unauthorised = (res: Response, message: string) =>
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer realm="steward", error="invalid_token"')
      .json({ jsonrpc: '2.0', error: { code: -32001, message }, id: null });

  router.use(apiKeyRateLimit(deps.config, deps.db));
  router.post('/', async (req, res) => {
    const key = readBearerKey(req.get('authorization'));
    if (!key) return unauthorised(res, 'Send a Steward API key as "Authorization: Bearer pai_…".');
    const caller = await authenticateApiKey(deps.db, key);
    if (!caller) return unauthorised(res, 'The API key is not valid: it may be wrong, expired or revoked.');

    const initializing = [req.body].flat().some((m: { method?: unknown } | null) => m?.method === 'initialize');
    const boundWorkspace =
      initializing && caller.apiKey.workspaceId
        ? await deps.db.selectFrom('workspaces').select(['id', 'name']).where('id', '=', caller.apiKey.workspaceId).executeTakeFirst()
        : undefined;
    const server = new Server({ name: 'steward', version: '1.0.0' }, { capabilities: { tools: {} }, instructions: instructionsFor(caller, boundWorkspace) });

    // Listed: what this key could ever use (its scope; its one workspace when bound). Calls are
    // not filtered here: each is decided by the procedure, exactly as over REST.
    const usable = tools.filter(
      (t) => scopeAllows(caller.apiKey.scope, t.type, t.access) && !(caller.apiKey.workspaceId && t.access?.scope === 'organisation'),
    );
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: usable.map((t) => t.tool) }));
    server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
      const tool = byName.get(request.params.name);
      if (!tool) return { isError: true, content: [{ type: 'text', text: `NOT_FOUND: There is no tool named "${request.params.name}".` }] };
      const ctx = await deps.resolveCaller(req, res);
      // Checked above for calls about no one workspace; a workspace's tool checks the key with it, as over REST.
      ctx.bearer?.checked.set('', Promise.resolve(caller));
      try {
        const procedure = tool.procedurePath.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], createCaller(ctx)) as (input: unknown) => Promise<unknown>;
        const result = await procedure(request.params.arguments ?? {});
        return { content: [{ type: 'text', text: JSON.stringify(result ?? null) }] };
      } catch (error) {
        return toolError(error, req.requestId, deps.logger, tool.procedurePath);
      }
    });

    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (error) {
      deps.logger.error('MCP request failed', { requestId: req.requestId, error });
      if (!res.headersSent) res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: `Something went wrong on our side (request ${req.requestId}).` }, id: null });
    }
  });
  // Stateless: no server-initiated stream to open, no session to end.
  router.all('/', (_req, res) => {
    res.status(405).set('Allow', 'POST').json({ jsonrpc: '2.0', error: { code: -32000, message: 'This MCP endpoint is stateless: send requests with POST.' }, id: null });
  });
  return router;
}
