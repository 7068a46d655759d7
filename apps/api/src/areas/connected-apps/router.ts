import { workspaceProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import { connectApp, disconnectApp, listConnectedApps, refreshApp } from './apps.js';
import { appConnectionOutput, appTargetInput, connectAppInput, connectedAppsOutput, connectStartedOutput, disconnectedOutput } from './schemas.js';

const placeOf = (ctx: { org: { id: string }; workspace: { id: string } }) => ({ organisationId: ctx.org.id, workspaceId: ctx.workspace.id });

const TAGS = ['connected apps'];
const BASE = '/workspaces/{workspaceId}/apps';

/** A workspace's connected apps are workspace settings: its admins connect and disconnect them (SPEC §2). */
export const connectedAppsRouter = router({
  list: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'GET', path: BASE, tags: TAGS, summary: 'HubSpot, Salesforce, Google and Outlook Calendar: status, account and granted scopes (never a token)' } })
    .output(connectedAppsOutput)
    .query(({ ctx }) => listConnectedApps(ctx, placeOf(ctx))),

  connect: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: `${BASE}/{app}/connect`, tags: TAGS, summary: "Start connecting an app: the URL of its consent page, for the user's browser" } })
    .input(connectAppInput)
    .output(connectStartedOutput)
    .mutation(({ ctx, input }) => connectApp(ctx, actorOf(ctx), placeOf(ctx), input.app, input.returnTo)),

  refresh: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: `${BASE}/{app}/refresh`, tags: TAGS, summary: 'Renew the access now, to check the app still accepts Steward' } })
    .input(appTargetInput)
    .output(appConnectionOutput)
    .mutation(({ ctx, input }) => refreshApp(ctx, actorOf(ctx), placeOf(ctx), input.app)),

  disconnect: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'DELETE', path: `${BASE}/{app}`, tags: TAGS, summary: 'Disconnect an app: its tokens are deleted and revoked where the app allows' } })
    .input(appTargetInput)
    .output(disconnectedOutput)
    .mutation(({ ctx, input }) => disconnectApp(ctx, actorOf(ctx), placeOf(ctx), input.app)),
});
