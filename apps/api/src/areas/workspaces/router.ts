import { TRPCError } from '@trpc/server';
import { orgRoleCan } from '../../access/matrix.js';
import { orgProcedure, workspaceProcedure } from '../../access/middleware.js';
import { resolveWorkspaceAccess } from '../../access/roles.js';
import { actorOf, router } from '../../trpc.js';
import { dropOrphanFieldIndexes, inBackground } from '../fields/storage.js';
import {
  bySlugInput,
  createWorkspaceInput,
  deleteWorkspaceInput,
  deleteWorkspaceOutput,
  setLogoInput,
  updateWorkspaceInput,
  workspaceListOutput,
  workspaceOutput,
} from './schemas.js';
import {
  createWorkspace,
  deleteWorkspace,
  findWorkspaceBySlug,
  getWorkspace,
  listWorkspaces,
  previewWorkspaceDeletion,
  removeWorkspaceLogo,
  setWorkspaceLogo,
  updateWorkspace,
} from './workspaces.js';

/** Workspace general settings: its admins, and organisation admins and user admins. */
const manageWorkspace = { workspace: 'workspace.settings', org: 'workspaces.manage' } as const;

export const workspacesRouter = router({
  list: orgProcedure('organisation.view')
    .meta({ openapi: { method: 'GET', path: '/organisations/{organisationId}/workspaces', tags: ['workspaces'], summary: 'List workspaces' } })
    .output(workspaceListOutput)
    .query(({ ctx }) => listWorkspaces(ctx.db, ctx.org.id)),
  bySlug: orgProcedure('workspaces.lookup')
    .input(bySlugInput)
    .query(async ({ ctx, input }) => {
      const found = await findWorkspaceBySlug(ctx.db, ctx.org.id, input.slug);
      // Without the organisation-wide view, only workspaces one has a role in can be found.
      if (!orgRoleCan(ctx.org.role, 'organisation.view') && !(await resolveWorkspaceAccess(ctx.db, ctx.user.id, found.workspace.id))?.role) {
        throw new TRPCError({ code: 'NOT_FOUND', message: 'Workspace not found.' });
      }
      return found;
    }),
  create: orgProcedure('workspaces.manage')
    .meta({ openapi: { method: 'POST', path: '/organisations/{organisationId}/workspaces', tags: ['workspaces'], summary: 'Create a chapter workspace' } })
    .input(createWorkspaceInput)
    .output(workspaceOutput)
    .mutation(({ ctx, input }) => createWorkspace(ctx.db, actorOf(ctx), ctx.org.id, input)),

  get: workspaceProcedure('records.read')
    .meta({ openapi: { method: 'GET', path: '/workspaces/{workspaceId}', tags: ['workspaces'], summary: "A workspace's general settings" } })
    .output(workspaceOutput)
    .query(({ ctx }) => getWorkspace(ctx.db, ctx.workspace.id)),
  update: workspaceProcedure(manageWorkspace)
    .meta({ openapi: { method: 'PATCH', path: '/workspaces/{workspaceId}', tags: ['workspaces'], summary: "Change a workspace's general settings" } })
    .input(updateWorkspaceInput)
    .output(workspaceOutput)
    .mutation(async ({ ctx, input }) => (await updateWorkspace(ctx.db, actorOf(ctx), ctx.workspace.id, input)).after),
  setLogo: workspaceProcedure(manageWorkspace)
    .input(setLogoInput)
    .mutation(({ ctx, input }) => setWorkspaceLogo(ctx.db, actorOf(ctx), ctx.workspace.id, input)),
  removeLogo: workspaceProcedure(manageWorkspace).mutation(({ ctx }) => removeWorkspaceLogo(ctx.db, actorOf(ctx), ctx.workspace.id)),

  deletePreview: workspaceProcedure({ org: 'workspaces.manage' }).query(({ ctx }) => previewWorkspaceDeletion(ctx.db, ctx.workspace.id)),
  delete: workspaceProcedure({ org: 'workspaces.manage' })
    .meta({ openapi: { method: 'DELETE', path: '/workspaces/{workspaceId}', tags: ['workspaces'], summary: 'Delete a chapter workspace; its contacts move to the global workspace' } })
    .input(deleteWorkspaceInput)
    .output(deleteWorkspaceOutput)
    .mutation(async ({ ctx, input }) => {
      const deleted = await deleteWorkspace(ctx.db, actorOf(ctx), ctx.workspace.id, input.confirmSlug);
      // The workspace's own fields went with it; their indexes go after the commit, concurrently.
      inBackground(ctx.logger, 'dropping indexes of deleted fields', async () => {
        await dropOrphanFieldIndexes(ctx.db);
      });
      return deleted;
    }),
});
