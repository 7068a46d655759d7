import { orgProcedure, workspaceProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import { bySlugInput, createWorkspaceInput, deleteWorkspaceInput, setLogoInput, updateWorkspaceInput } from './schemas.js';
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
  list: orgProcedure('organisation.view').query(({ ctx }) => listWorkspaces(ctx.db, ctx.org.id)),
  bySlug: orgProcedure('organisation.view')
    .input(bySlugInput)
    .query(({ ctx, input }) => findWorkspaceBySlug(ctx.db, ctx.org.id, input.slug)),
  create: orgProcedure('workspaces.manage')
    .input(createWorkspaceInput)
    .mutation(({ ctx, input }) => createWorkspace(ctx.db, actorOf(ctx), ctx.org.id, input)),

  get: workspaceProcedure('records.read').query(({ ctx }) => getWorkspace(ctx.db, ctx.workspace.id)),
  update: workspaceProcedure(manageWorkspace)
    .input(updateWorkspaceInput)
    .mutation(async ({ ctx, input }) => (await updateWorkspace(ctx.db, actorOf(ctx), ctx.workspace.id, input)).after),
  setLogo: workspaceProcedure(manageWorkspace)
    .input(setLogoInput)
    .mutation(({ ctx, input }) => setWorkspaceLogo(ctx.db, actorOf(ctx), ctx.workspace.id, input)),
  removeLogo: workspaceProcedure(manageWorkspace).mutation(({ ctx }) => removeWorkspaceLogo(ctx.db, actorOf(ctx), ctx.workspace.id)),

  deletePreview: workspaceProcedure({ org: 'workspaces.manage' }).query(({ ctx }) => previewWorkspaceDeletion(ctx.db, ctx.workspace.id)),
  delete: workspaceProcedure({ org: 'workspaces.manage' })
    .input(deleteWorkspaceInput)
    .mutation(({ ctx, input }) => deleteWorkspace(ctx.db, actorOf(ctx), ctx.workspace.id, input.confirmSlug)),
});
