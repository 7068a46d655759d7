import { workspaceProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import { assignConversation, getConversation, listConversations, replyToConversation, resolveConversation } from './conversations.js';
import { receiveInboundMessage } from './inbound.js';
import {
  assignInput,
  conversationIdInput,
  conversationListOutput,
  conversationOutput,
  listConversationsInput,
  receivedOutput,
  receiveMessageInput,
  replyInput,
  replyOutput,
} from './schemas.js';

const placeOf = (ctx: { org: { id: string }; workspace: { id: string } }) => ({ organisationId: ctx.org.id, workspaceId: ctx.workspace.id });
const TAGS = ['conversations'];

/** Whoever reads the workspace reads its conversations; members and admins work them (assign, reply, resolve). */
export const conversationsRouter = router({
  list: workspaceProcedure('records.read')
    .meta({ openapi: { method: 'GET', path: '/workspaces/{workspaceId}/inboxes/{inboxId}/conversations', tags: TAGS, summary: "An inbox's conversations with assignee, status and SLA state" } })
    .input(listConversationsInput)
    .output(conversationListOutput)
    .query(({ ctx, input }) => listConversations(ctx.db, placeOf(ctx), ctx.user.id, input)),

  get: workspaceProcedure('records.read')
    .meta({ openapi: { method: 'GET', path: '/workspaces/{workspaceId}/conversations/{conversationId}', tags: TAGS, summary: 'A conversation and its messages' } })
    .input(conversationIdInput)
    .output(conversationOutput)
    .query(({ ctx, input }) => getConversation(ctx.db, placeOf(ctx), input.conversationId)),

  receive: workspaceProcedure('conversations.handle')
    .meta({
      openapi: {
        method: 'POST',
        path: '/inboxes/{inboxId}/messages',
        tags: TAGS,
        summary: 'An inbound message (give workspaceId in the body): opens or continues the conversation with the sender, assigned by the inbox rule',
      },
    })
    .input(receiveMessageInput)
    .output(receivedOutput)
    .mutation(({ ctx, input }) =>
      receiveInboundMessage(ctx, placeOf(ctx), { inboxId: input.inboxId, channelId: null, from: input.from, subject: input.subject ?? null, body: input.body, externalId: input.externalId ?? null }, actorOf(ctx)),
    ),

  assign: workspaceProcedure('conversations.handle')
    .meta({ openapi: { method: 'PUT', path: '/workspaces/{workspaceId}/conversations/{conversationId}/assignee', tags: TAGS, summary: 'Assign to an agent of the inbox (userId null: unassign)' } })
    .input(assignInput)
    .output(conversationOutput)
    .mutation(({ ctx, input }) => assignConversation(ctx, actorOf(ctx), placeOf(ctx), input.conversationId, input.userId)),

  reply: workspaceProcedure('conversations.handle')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/conversations/{conversationId}/replies', tags: TAGS, summary: "Reply through the conversation's channel" } })
    .input(replyInput)
    .output(replyOutput)
    .mutation(({ ctx, input }) => replyToConversation(ctx, actorOf(ctx), placeOf(ctx), input.conversationId, input.body)),

  resolve: workspaceProcedure('conversations.handle')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/conversations/{conversationId}/resolve', tags: TAGS, summary: 'Resolve a conversation' } })
    .input(conversationIdInput)
    .output(conversationOutput)
    .mutation(({ ctx, input }) => resolveConversation(ctx, actorOf(ctx), placeOf(ctx), input.conversationId)),
});
