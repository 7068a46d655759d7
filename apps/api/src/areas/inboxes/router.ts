import { z } from 'zod';
import { workspaceProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import { createInbox, deleteInbox, getInbox, listInboxes, updateInbox } from './inboxes.js';
import { createInboxInput, inboxIdInput, inboxListOutput, inboxOutput, updateInboxInput } from './schemas.js';

const placeOf = (ctx: { org: { id: string }; workspace: { id: string } }) => ({ organisationId: ctx.org.id, workspaceId: ctx.workspace.id });
const TAGS = ['inboxes'];

/** Everyone who reads the workspace sees its inboxes (to work their conversations); its admins manage them. */
export const inboxesRouter = router({
  list: workspaceProcedure('records.read')
    .meta({ openapi: { method: 'GET', path: '/workspaces/{workspaceId}/inboxes', tags: TAGS, summary: "A workspace's inboxes with their channels, agents and rules" } })
    .output(inboxListOutput)
    .query(({ ctx }) => listInboxes(ctx.db, placeOf(ctx))),

  get: workspaceProcedure('records.read')
    .meta({ openapi: { method: 'GET', path: '/workspaces/{workspaceId}/inboxes/{inboxId}', tags: TAGS, summary: 'One inbox' } })
    .input(inboxIdInput)
    .output(inboxOutput)
    .query(({ ctx, input }) => getInbox(ctx.db, placeOf(ctx), input.inboxId)),

  create: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/inboxes', tags: TAGS, summary: 'Create an inbox' } })
    .input(createInboxInput)
    .output(inboxOutput)
    .mutation(({ ctx, input }) => {
      const { workspaceId: _workspaceId, ...settings } = input as typeof input & { workspaceId: string };
      return createInbox(ctx.db, actorOf(ctx), placeOf(ctx), settings);
    }),

  update: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'PATCH', path: '/workspaces/{workspaceId}/inboxes/{inboxId}', tags: TAGS, summary: 'Change an inbox: channels, agents, assignment, business hours, SLA, CSAT' } })
    .input(updateInboxInput)
    .output(inboxOutput)
    .mutation(({ ctx, input }) => {
      const { workspaceId: _workspaceId, inboxId, ...changes } = input;
      return updateInbox(ctx.db, actorOf(ctx), placeOf(ctx), inboxId, changes);
    }),

  delete: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'DELETE', path: '/workspaces/{workspaceId}/inboxes/{inboxId}', tags: TAGS, summary: 'Delete an inbox and its conversations' } })
    .input(inboxIdInput)
    .output(z.object({ inboxId: z.string() }))
    .mutation(({ ctx, input }) => deleteInbox(ctx.db, actorOf(ctx), placeOf(ctx), input.inboxId)),
});
