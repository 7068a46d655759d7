import { once } from 'node:events';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { Db } from '@steward/db';
import type { Access } from '../../../access/matrix.js';
import { workspaceRoleCan } from '../../../access/matrix.js';
import { resolveWorkspaceAccess } from '../../../access/roles.js';
import { type ApiKeyCaller, authenticateApiKey, keyReaches, readBearerKey, scopeAllows } from '../../../auth/api-keys.js';
import { readSession, type SessionUser, type StewardLucia } from '../../../auth/sessions.js';
import type { Config } from '../../../config.js';
import { AppError } from '../../../errors.js';
import type { Logger } from '../../../logger.js';
import { rateLimit } from '../../../rate-limit.js';
import { apiKeyRateLimit } from '../../../rest.js';
import type { RecordCaller } from '../contacts.js';
import { csvCell, FileTooLarge, storeImportFile } from './csv-file.js';
import { findImport, sweepAbandonedUploads, toImportStatus } from './imports.js';
import { IMPORT_LIMITS } from './schemas.js';

/**
 * The two file routes of contact imports, beside tRPC because they carry a file, not JSON:
 * - `POST /files/contact-imports?workspaceId=…&fileName=…`: the CSV itself as the request body,
 *   streamed into PostgreSQL (the 1 MB JSON cap does not apply; 50 MB does). Answers 201 with the
 *   import, whose columns `contacts.imports.inspect` then shows.
 * - `GET /files/contact-imports/{importId}/rejected-rows.csv`: the rows the import refused, with
 *   their original cells and an `error` column, streamed page by page.
 * Both take the session cookie (with the CSRF origin check every cookie POST gets) or a bearer key,
 * and need `records.create` in the workspace, exactly as the import procedures do.
 */

const IMPORT_PERMISSION = 'records.create' as const;
const IMPORT_ACCESS: Access = { scope: 'workspace', permission: IMPORT_PERMISSION, orOrg: undefined };
const uploadQuery = z.object({
  workspaceId: z.uuid(),
  fileName: z.string().trim().min(1).max(200).optional(),
});
/** Form posts and JSON are not a file: say how to send one. */
const NOT_A_FILE = /^(application\/json|application\/x-www-form-urlencoded|multipart\/)/i;
const REJECTION_PAGE = 1000;

function answer(res: Response, status: number, code: string, message: string) {
  res.status(status).json({ error: { code, message } });
}

export function contactImportFiles(deps: { db: Db; config: Config; logger: Logger; lucia: StewardLucia }) {
  const { db } = deps;
  const router = express.Router();
  const keyLimit = apiKeyRateLimit(deps.config, db);
  router.use((req, res, next) => (req.get('authorization') ? keyLimit(req, res, next) : next()));
  const uploadLimit = rateLimit(db, { name: 'CSV upload', windowMs: 60_000, max: 30 });

  /** A bearer key (its cookies then never read, as everywhere) or the session, as the tRPC context has them. */
  async function identify(req: Request, res: Response): Promise<{ user: SessionUser; apiKey: ApiKeyCaller | null } | { error: string }> {
    const authorization = req.get('authorization');
    if (authorization) {
      const key = readBearerKey(authorization);
      if (!key) return { error: 'Send the API key as "Authorization: Bearer pai_…".' };
      const caller = await authenticateApiKey(db, key);
      return caller ? { user: caller.user, apiKey: caller.apiKey } : { error: 'The API key is not valid: it may be wrong, expired or revoked.' };
    }
    const session = await readSession(deps.lucia, req.get('cookie'));
    if (session.setCookie) res.append('Set-Cookie', session.setCookie);
    return session.user ? { user: session.user, apiKey: null } : { error: 'Sign in to continue.' };
  }

  /** The caller, allowed to import in this workspace; otherwise the answer has been sent and null returned. */
  async function importer(req: Request, res: Response, workspaceId: string, type: 'query' | 'mutation'): Promise<{ ctx: { user: SessionUser; apiKey: ApiKeyCaller | null }; caller: RecordCaller } | null> {
    const ctx = await identify(req, res);
    if ('error' in ctx) {
      answer(res, 401, 'UNAUTHORIZED', ctx.error);
      return null;
    }
    if (ctx.apiKey && !scopeAllows(ctx.apiKey.scope, type, IMPORT_ACCESS)) {
      answer(res, 403, 'FORBIDDEN', `This API key's scope (${ctx.apiKey.scope}) does not allow this.`);
      return null;
    }
    const access = await resolveWorkspaceAccess(db, ctx.user.id, workspaceId);
    if (!access || !keyReaches(ctx.apiKey, access)) {
      answer(res, 404, 'NOT_FOUND', 'Workspace not found.');
      return null;
    }
    if (!workspaceRoleCan(access.role, IMPORT_PERMISSION)) {
      answer(res, 403, 'FORBIDDEN', 'Your role does not allow this.');
      return null;
    }
    return { ctx, caller: { place: { organisationId: access.organisationId, workspaceId: access.workspaceId, kind: access.kind }, userId: ctx.user.id, role: access.role } };
  }

  router.post('/', uploadLimit, async (req, res) => {
    const query = uploadQuery.safeParse(req.query);
    if (!query.success) return answer(res, 400, 'BAD_REQUEST', 'Name the workspace: ?workspaceId=<uuid> (and optionally &fileName=contacts.csv, at most 200 characters).');
    if (NOT_A_FILE.test(req.get('content-type') ?? '')) {
      return answer(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the CSV file itself as the request body (Content-Type: text/csv), not a form or JSON.');
    }
    const tooLarge = () => {
      // The rest of an oversized body is not read: the connection closes after this answer.
      res.set('Connection', 'close');
      answer(res, 413, 'PAYLOAD_TOO_LARGE', new FileTooLarge(IMPORT_LIMITS).message);
    };
    if (Number(req.get('content-length') ?? 0) > IMPORT_LIMITS.maxBytes) return tooLarge();
    const allowed = await importer(req, res, query.data.workspaceId, 'mutation');
    if (!allowed) return;
    const { ctx, caller } = allowed;
    await sweepAbandonedUploads(db);
    try {
      const owner = { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, userId: caller.userId, apiKeyId: ctx.apiKey?.id ?? null };
      const stored = await storeImportFile(db, owner, query.data.fileName ?? 'contacts.csv', req);
      res.status(201).json({ import: toImportStatus(await findImport(db, caller, stored.id)), headers: stored.headers, delimiter: stored.delimiter });
    } catch (error) {
      // The caller went away mid-upload: nothing to answer, nothing kept.
      if (req.destroyed && !(error instanceof AppError)) return;
      if (error instanceof FileTooLarge) return tooLarge();
      if (error instanceof AppError) return answer(res, 400, 'BAD_REQUEST', error.message);
      throw error;
    }
  });

  router.get('/:importId/rejected-rows.csv', async (req, res) => {
    const importId = z.uuid().safeParse(req.params.importId);
    const missing = () => answer(res, 404, 'NOT_FOUND', 'Import not found.');
    if (!importId.success) return missing();
    const place = await db.selectFrom('contact_imports').select('workspace_id').where('id', '=', importId.data).executeTakeFirst();
    if (!place) return missing();
    const allowed = await importer(req, res, place.workspace_id, 'query');
    if (!allowed) return;
    const row = await findImport(db, allowed.caller, importId.data).catch((error: unknown) => {
      if (error instanceof AppError) return null;
      throw error;
    });
    if (!row) return missing();

    const delimiter = row.delimiter;
    const line = (cells: string[]) => `${cells.map((cell) => csvCell(cell, delimiter)).join(delimiter)}\r\n`;
    const baseName = row.file_name.replace(/\.(csv|txt)$/i, '');
    res.set({
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="rejected-rows.csv"; filename*=UTF-8''${encodeURIComponent(`${baseName}-rejected-rows.csv`)}`,
      'Cache-Control': 'private, no-store',
    });
    // A byte order mark, so that spreadsheet programs read the UTF-8 as UTF-8.
    res.write(`\uFEFF${line([...row.headers, 'error'])}`);
    for (let after = 0; ; ) {
      const page = await db
        .selectFrom('contact_import_rejections')
        .select(['row_number', 'cells', 'error'])
        .where('import_id', '=', row.id)
        .where('row_number', '>', after)
        .orderBy('row_number')
        .limit(REJECTION_PAGE)
        .execute();
      if (page.length === 0) break;
      // Under the header's columns: a row refused for its cell count is cut or padded to fit (its error says so).
      const width = row.headers.length;
      const text = page.map((r) => line([...r.cells.slice(0, width), ...Array<string>(Math.max(0, width - r.cells.length)).fill(''), r.error])).join('');
      if (!res.write(text)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      if (res.destroyed) return;
      after = page.at(-1)!.row_number;
      if (page.length < REJECTION_PAGE) break;
    }
    res.end();
  });

  router.use((_req, res) => answer(res, 404, 'NOT_FOUND', 'There is nothing at this address.'));
  return router;
}
