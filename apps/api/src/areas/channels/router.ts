import { workspaceProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import { createSmtpChannel, createTwilioChannel, getChannel, listChannels, removeChannel, startChannelConnect, testChannel, updateChannel } from './channels.js';
import {
  channelIdInput,
  channelListOutput,
  channelOutput,
  connectOAuthChannelInput,
  connectOutput,
  createSmtpInput,
  createTwilioInput,
  removedChannelOutput,
  testChannelOutput,
  updateChannelInput,
} from './schemas.js';

const placeOf = (ctx: { org: { id: string }; workspace: { id: string } }) => ({ organisationId: ctx.org.id, workspaceId: ctx.workspace.id });
const TAGS = ['channels'];

/** Channels are workspace settings: its admins manage them (SPEC §2, "inboxes…"). */
export const channelsRouter = router({
  list: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'GET', path: '/workspaces/{workspaceId}/channels', tags: TAGS, summary: "A workspace's channels, their status and why one stopped working (secrets masked)" } })
    .output(channelListOutput)
    .query(({ ctx }) => listChannels(ctx, placeOf(ctx))),

  get: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'GET', path: '/workspaces/{workspaceId}/channels/{channelId}', tags: TAGS, summary: 'One channel' } })
    .input(channelIdInput)
    .output(channelOutput)
    .query(({ ctx, input }) => getChannel(ctx, placeOf(ctx), input.channelId)),

  createSmtp: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/channels/smtp', tags: TAGS, summary: 'Add an SMTP channel (the password is stored encrypted)' } })
    .input(createSmtpInput)
    .output(channelOutput)
    .mutation(({ ctx, input }) => createSmtpChannel(ctx, actorOf(ctx), placeOf(ctx), input)),

  createTwilio: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/channels/twilio', tags: TAGS, summary: 'Add a Twilio SMS or Voice channel (the Auth Token is stored encrypted)' } })
    .input(createTwilioInput)
    .output(channelOutput)
    .mutation(({ ctx, input }) => createTwilioChannel(ctx, actorOf(ctx), placeOf(ctx), input)),

  connectOAuth: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/channels/connect', tags: TAGS, summary: 'Start connecting Gmail or Outlook: returns the provider address to open' } })
    .input(connectOAuthChannelInput)
    .output(connectOutput)
    .mutation(({ ctx, input }) => startChannelConnect(ctx, actorOf(ctx), placeOf(ctx), input)),

  update: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'PATCH', path: '/workspaces/{workspaceId}/channels/{channelId}', tags: TAGS, summary: "Rename a channel or change its SMTP settings, password or Auth Token" } })
    .input(updateChannelInput)
    .output(channelOutput)
    .mutation(({ ctx, input }) => {
      const { channelId, workspaceId: _workspaceId, ...changes } = input;
      return updateChannel(ctx, actorOf(ctx), placeOf(ctx), channelId, changes);
    }),

  test: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/channels/{channelId}/test', tags: TAGS, summary: 'Test the channel: SMTP handshake and login, Twilio account, or OAuth token' } })
    .input(channelIdInput)
    .output(testChannelOutput)
    .mutation(({ ctx, input }) => testChannel(ctx, actorOf(ctx), placeOf(ctx), input.channelId)),

  remove: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'DELETE', path: '/workspaces/{workspaceId}/channels/{channelId}', tags: TAGS, summary: "Remove a channel; Gmail and Outlook access is revoked" } })
    .input(channelIdInput)
    .output(removedChannelOutput)
    .mutation(({ ctx, input }) => removeChannel(ctx, actorOf(ctx), placeOf(ctx), input.channelId)),
});
