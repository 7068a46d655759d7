import type { WorkspaceRole } from '@steward/db';
import { workspaceProcedure } from '../../../access/middleware.js';
import { actorOf, router } from '../../../trpc.js';
import type { RecordCaller } from '../contacts.js';
import { cancelImport, getImport, inspectImport, listImports, previewImport, startImport } from './imports.js';
import { importListOutput, importOutput, importTargetInput, inspectOutput, mappingInput, previewOutput } from './schemas.js';

type WorkspaceCtx = { user: { id: string }; org: { id: string }; workspace: { id: string; kind: 'global' | 'chapter'; role: WorkspaceRole | null } };

const callerOf = (ctx: WorkspaceCtx): RecordCaller => ({
  place: { organisationId: ctx.org.id, workspaceId: ctx.workspace.id, kind: ctx.workspace.kind },
  userId: ctx.user.id,
  role: ctx.workspace.role,
});

const base = '/workspaces/{workspaceId}/contacts/imports';

/**
 * `contacts.imports.*`: CSV imports after the upload (POST /files/contact-imports, routes.ts).
 * Importing is adding contacts, so every step needs `records.create`; viewers see no imports.
 */
export const contactImportsRouter = router({
  list: workspaceProcedure('records.create')
    .meta({ openapi: { method: 'GET', path: base, tags: ['contacts'], summary: "This workspace's recent contact imports (one's own; admins see all)" } })
    .output(importListOutput)
    .query(({ ctx }) => listImports(ctx.db, callerOf(ctx))),

  get: workspaceProcedure('records.create')
    .meta({ openapi: { method: 'GET', path: `${base}/{importId}`, tags: ['contacts'], summary: 'An import: state and progress (rows processed, created, updated, linked, rejected)' } })
    .input(importTargetInput)
    .output(importOutput)
    .query(({ ctx, input }) => getImport(ctx.db, callerOf(ctx), input.importId)),

  inspect: workspaceProcedure('records.create')
    .meta({ openapi: { method: 'GET', path: `${base}/{importId}/columns`, tags: ['contacts'], summary: "An uploaded file's headers and first rows, and what its columns can be mapped to" } })
    .input(importTargetInput)
    .output(inspectOutput)
    .query(({ ctx, input }) => inspectImport(ctx.db, callerOf(ctx), input.importId)),

  preview: workspaceProcedure('records.create')
    .meta({ openapi: { method: 'POST', path: `${base}/{importId}/preview`, tags: ['contacts'], summary: 'The first rows checked with a mapping, each with its outcome and problems (nothing is written)' } })
    .input(mappingInput)
    .output(previewOutput)
    .query(({ ctx, input }) => previewImport(ctx.db, callerOf(ctx), input.importId, input.mapping)),

  start: workspaceProcedure('records.create')
    .meta({ openapi: { method: 'POST', path: `${base}/{importId}/start`, tags: ['contacts'], summary: 'Start importing with a mapping (one target per column, null to ignore it); runs in the background' } })
    .input(mappingInput)
    .output(importOutput)
    .mutation(({ ctx, input }) => startImport(ctx, actorOf(ctx), callerOf(ctx), input.importId, input.mapping)),

  cancel: workspaceProcedure('records.create')
    .meta({ openapi: { method: 'POST', path: `${base}/{importId}/cancel`, tags: ['contacts'], summary: 'Stop an import (contacts already imported stay)' } })
    .input(importTargetInput)
    .output(importOutput)
    .mutation(({ ctx, input }) => cancelImport(ctx.db, actorOf(ctx), callerOf(ctx), input.importId)),
});
