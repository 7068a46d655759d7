import type { WorkspaceRole } from '@steward/db';
import { workspaceProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import type { RecordCaller } from '../records/contacts.js';
import { eraseContact } from './erase.js';
import { exportPersonalData } from './export.js';
import { erasedOutput, eraseContactInput, exportPersonalDataInput, personalDataOutput } from './schemas.js';

type WorkspaceCtx = {
  user: { id: string };
  apiKey: { workspaceId?: string | null } | null;
  org: { id: string };
  workspace: { id: string; kind: 'global' | 'chapter'; role: WorkspaceRole | null; fieldsVersion: number };
};

/** A key restricted to this workspace has no standing in any other, whatever its owner holds there. */
const callerOf = (ctx: WorkspaceCtx): RecordCaller => ({
  place: { organisationId: ctx.org.id, workspaceId: ctx.workspace.id, kind: ctx.workspace.kind, fieldsVersion: ctx.workspace.fieldsVersion },
  userId: ctx.user.id,
  role: ctx.workspace.role,
  keyRestrictedHere: ctx.apiKey?.workspaceId != null,
});

const TAGS = ['personal data'];

/** A person's rights (GDPR Art. 15 and 17), from the contact record: for the workspace's admins. */
export const dataRightsRouter = router({
  export: workspaceProcedure('personalData.manage')
    .meta({
      openapi: {
        method: 'GET',
        path: '/contacts/{contactId}/personal-data',
        tags: TAGS,
        summary: 'Everything Steward holds about a person, as one JSON document (pass workspaceId; complete for organisation admins)',
      },
    })
    .input(exportPersonalDataInput)
    .output(personalDataOutput)
    .query(({ ctx, input }) => exportPersonalData(ctx.db, actorOf(ctx), callerOf(ctx), input.contactId)),

  erase: workspaceProcedure('personalData.manage')
    .meta({
      openapi: {
        // DELETE on the resource the export reads: clients (and the MCP tools built from these) treat it as destructive.
        method: 'DELETE',
        path: '/contacts/{contactId}/personal-data',
        tags: TAGS,
        summary: 'Erase a person from every workspace and table (pass workspaceId and request: what the erasure answers, without naming them); their address is suppressed from then on. Cannot be undone',
      },
    })
    .input(eraseContactInput)
    .output(erasedOutput)
    .mutation(({ ctx, input }) => eraseContact(ctx.db, actorOf(ctx), callerOf(ctx), input.contactId, input.request)),
});
