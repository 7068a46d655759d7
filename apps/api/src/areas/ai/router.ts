import { orgProcedure, workspaceProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import { clearAiSettings, getOrganisationAi, getWorkspaceAi, saveAiSettings, testAiConnection } from './ai-settings.js';
import { aiTestOutput, organisationAiOutput, saveAiSettingsInput, workspaceAiOutput } from './schemas.js';

const TAGS = ['ai'];
const placeOf = (ctx: { org: { id: string }; workspace: { id: string } }) => ({ organisationId: ctx.org.id, workspaceId: ctx.workspace.id });

/** The organisation's AI platform: provider, model, base URL and key (sealed, shown masked). */
export const aiRouter = router({
  get: orgProcedure('integrations.manage')
    .meta({ openapi: { method: 'GET', path: '/organisations/{organisationId}/ai', tags: TAGS, summary: "The organisation's AI provider and model (the key masked)" } })
    .output(organisationAiOutput)
    .query(({ ctx }) => getOrganisationAi(ctx, ctx.org.id)),
  save: orgProcedure('integrations.manage')
    .meta({ openapi: { method: 'PUT', path: '/organisations/{organisationId}/ai', tags: TAGS, summary: "Save the organisation's AI provider, model, base URL and key" } })
    .input(saveAiSettingsInput)
    .output(organisationAiOutput)
    .mutation(async ({ ctx, input }) => {
      await saveAiSettings(ctx, actorOf(ctx), { organisationId: ctx.org.id, workspaceId: null }, input);
      return getOrganisationAi(ctx, ctx.org.id);
    }),
  clear: orgProcedure('integrations.manage')
    .meta({ openapi: { method: 'DELETE', path: '/organisations/{organisationId}/ai', tags: TAGS, summary: "Remove the organisation's AI settings and key" } })
    .output(organisationAiOutput)
    .mutation(async ({ ctx }) => {
      await clearAiSettings(ctx, actorOf(ctx), { organisationId: ctx.org.id, workspaceId: null });
      return getOrganisationAi(ctx, ctx.org.id);
    }),
  test: orgProcedure('integrations.manage')
    .meta({ openapi: { method: 'POST', path: '/organisations/{organisationId}/ai/test', tags: TAGS, summary: 'Ask the AI provider whether the key and model work' } })
    .output(aiTestOutput)
    .mutation(({ ctx }) => testAiConnection(ctx, actorOf(ctx), { organisationId: ctx.org.id, workspaceId: null })),
});

/** A workspace's own AI settings, overriding the organisation's (workspace settings, for its admins). */
export const workspaceAiRouter = router({
  get: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'GET', path: '/workspaces/{workspaceId}/ai', tags: TAGS, summary: "This workspace's AI override and the organisation's settings (keys masked)" } })
    .output(workspaceAiOutput)
    .query(({ ctx }) => getWorkspaceAi(ctx, placeOf(ctx))),
  save: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'PUT', path: '/workspaces/{workspaceId}/ai', tags: TAGS, summary: "Override the organisation's AI provider for this workspace" } })
    .input(saveAiSettingsInput)
    .output(workspaceAiOutput)
    .mutation(async ({ ctx, input }) => {
      await saveAiSettings(ctx, actorOf(ctx), placeOf(ctx), input);
      return getWorkspaceAi(ctx, placeOf(ctx));
    }),
  clear: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'DELETE', path: '/workspaces/{workspaceId}/ai', tags: TAGS, summary: "Remove this workspace's override (the organisation's settings apply again)" } })
    .output(workspaceAiOutput)
    .mutation(async ({ ctx }) => {
      await clearAiSettings(ctx, actorOf(ctx), placeOf(ctx));
      return getWorkspaceAi(ctx, placeOf(ctx));
    }),
  test: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/ai/test', tags: TAGS, summary: 'Ask the AI provider in force for this workspace whether the key and model work' } })
    .output(aiTestOutput)
    .mutation(({ ctx }) => testAiConnection(ctx, actorOf(ctx), placeOf(ctx))),
});
