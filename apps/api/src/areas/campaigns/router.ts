import { TRPCError } from '@trpc/server';
import { workspaceProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import type { RecordPlace } from '../records/filters.js';
import {
  campaignProgress,
  changeCampaignState,
  countAudience,
  createCampaign,
  deleteCampaign,
  getCampaign,
  listCampaigns,
  listRecipients,
  retryFailedRecipients,
  sendCampaign,
  updateCampaign,
} from './campaigns.js';
import { MERGE_FIELDS } from './merge-fields.js';
import {
  audienceInput,
  audienceOutput,
  campaignListOutput,
  campaignOutput,
  campaignProgressOutput,
  campaignTargetInput,
  createCampaignInput,
  deletedCampaignOutput,
  listCampaignsInput,
  listRecipientsInput,
  mergeFieldsOutput,
  recipientListOutput,
  sendCampaignInput,
  updateCampaignInput,
} from './schemas.js';

type WorkspaceCtx = { org: { id: string }; workspace: { id: string; kind: 'global' | 'chapter'; fieldsVersion: number } };
const placeOf = (ctx: WorkspaceCtx): RecordPlace => ({ organisationId: ctx.org.id, workspaceId: ctx.workspace.id, kind: ctx.workspace.kind, fieldsVersion: ctx.workspace.fieldsVersion });

const TAGS = ['campaigns'];
const path = (rest = ''): `/${string}` => `/workspaces/{workspaceId}/campaigns${rest}`;

/** Campaigns are the workspace admins' (SPEC §2: workspace settings); everyone else sees none. */
export const campaignsRouter = router({
  mergeFields: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'GET', path: path('/merge-fields'), tags: TAGS, summary: 'The merge fields a subject or body may use, as {{name}}' } })
    .output(mergeFieldsOutput)
    .query(() => Object.entries(MERGE_FIELDS).map(([name, description]) => ({ name, description }))),

  list: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'GET', path: path(), tags: TAGS, summary: "A workspace's campaigns, newest first" } })
    .input(listCampaignsInput)
    .output(campaignListOutput)
    .query(({ ctx, input }) => listCampaigns(ctx.db, placeOf(ctx), input)),

  get: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'GET', path: path('/{campaignId}'), tags: TAGS, summary: 'One campaign' } })
    .input(campaignTargetInput)
    .output(campaignOutput)
    .query(({ ctx, input }) => getCampaign(ctx.db, placeOf(ctx), input.campaignId)),

  audience: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: path('/audience'), tags: TAGS, summary: 'How many contacts a campaign of this category and these filters would reach now' } })
    .input(audienceInput)
    .output(audienceOutput)
    .query(({ ctx, input }) => countAudience(ctx.db, placeOf(ctx), input)),

  create: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: path(), tags: TAGS, summary: 'Write a campaign (a draft)' } })
    .input(createCampaignInput)
    .output(campaignOutput)
    .mutation(({ ctx, input }) => {
      const { workspaceId: _workspaceId, ...content } = input;
      return createCampaign(ctx.db, actorOf(ctx), placeOf(ctx), content);
    }),

  update: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'PATCH', path: path('/{campaignId}'), tags: TAGS, summary: 'Change a draft campaign' } })
    .input(updateCampaignInput)
    .output(campaignOutput)
    .mutation(({ ctx, input }) => {
      const { campaignId, workspaceId: _workspaceId, ...changes } = input;
      if (Object.values(changes).every((v) => v === undefined)) throw new TRPCError({ code: 'BAD_REQUEST', message: 'Change at least one thing.' });
      return updateCampaign(ctx.db, actorOf(ctx), placeOf(ctx), campaignId, changes);
    }),

  delete: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'DELETE', path: path('/{campaignId}'), tags: TAGS, summary: 'Delete a draft campaign' } })
    .input(campaignTargetInput)
    .output(deletedCampaignOutput)
    .mutation(({ ctx, input }) => deleteCampaign(ctx.db, actorOf(ctx), placeOf(ctx), input.campaignId)),

  send: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: path('/{campaignId}/send'), tags: TAGS, summary: "Send a draft now, or at a local time in the workspace's time zone (at: YYYY-MM-DDTHH:MM)" } })
    .input(sendCampaignInput)
    .output(campaignOutput)
    .mutation(({ ctx, input }) => sendCampaign(ctx.db, ctx.jobs, actorOf(ctx), placeOf(ctx), input.campaignId, input.at)),

  pause: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: path('/{campaignId}/pause'), tags: TAGS, summary: 'Pause a sending campaign (the batch in flight finishes)' } })
    .input(campaignTargetInput)
    .output(campaignOutput)
    .mutation(({ ctx, input }) => changeCampaignState(ctx.db, ctx.jobs, actorOf(ctx), placeOf(ctx), input.campaignId, 'pause')),

  resume: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: path('/{campaignId}/resume'), tags: TAGS, summary: 'Resume a paused or failed campaign with the recipients still pending' } })
    .input(campaignTargetInput)
    .output(campaignOutput)
    .mutation(({ ctx, input }) => changeCampaignState(ctx.db, ctx.jobs, actorOf(ctx), placeOf(ctx), input.campaignId, 'resume')),

  cancel: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: path('/{campaignId}/cancel'), tags: TAGS, summary: 'Cancel a scheduled, sending or paused campaign; those not yet sent get nothing' } })
    .input(campaignTargetInput)
    .output(campaignOutput)
    .mutation(({ ctx, input }) => changeCampaignState(ctx.db, ctx.jobs, actorOf(ctx), placeOf(ctx), input.campaignId, 'cancel')),

  progress: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'GET', path: path('/{campaignId}/progress'), tags: TAGS, summary: "A campaign's state and its recipients counted per state" } })
    .input(campaignTargetInput)
    .output(campaignProgressOutput)
    .query(({ ctx, input }) => campaignProgress(ctx.db, placeOf(ctx), input.campaignId)),

  recipients: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'GET', path: path('/{campaignId}/recipients'), tags: TAGS, summary: "A campaign's recipients (optionally of one state, e.g. failed), with each one's reason" } })
    .input(listRecipientsInput)
    .output(recipientListOutput)
    .query(({ ctx, input }) => listRecipients(ctx.db, placeOf(ctx), input.campaignId, input)),

  retryFailed: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: path('/{campaignId}/retry-failed'), tags: TAGS, summary: 'Send again to the recipients whose email failed' } })
    .input(campaignTargetInput)
    .output(campaignOutput)
    .mutation(({ ctx, input }) => retryFailedRecipients(ctx.db, ctx.jobs, actorOf(ctx), placeOf(ctx), input.campaignId)),
});
