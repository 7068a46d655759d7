import { TRPCError } from '@trpc/server';
import type { OrgRole } from '@steward/db';
import { type WorkspacePermission, workspaceRoleCan } from '../../access/matrix.js';
import { workspaceProcedure } from '../../access/middleware.js';
import { resolveWorkspaceAccess } from '../../access/roles.js';
import { keyReaches } from '../../auth/api-keys.js';
import { actorOf, authedProcedure, router } from '../../trpc.js';
import { changeFieldType, createField, deleteField, listFields, previewFieldDeletion, reorderFields, updateField } from './fields.js';
import {
  changeFieldTypeInput,
  changeFieldTypeOutput,
  createFieldInput,
  deleteFieldOutput,
  deleteFieldPreviewOutput,
  fieldChangeOutput,
  fieldListOutput,
  fieldTargetInput,
  listFieldsInput,
  reorderFieldsInput,
  updateFieldInput,
} from './schemas.js';

/**
 * A procedure on one field, addressed by its id alone (`/fields/{fieldId}`). Its home workspace
 * decides access like `workspaceProcedure`: a workspace field's own workspace; for core and
 * global-internal fields, the global workspace (whose admins are organisation admins and global
 * admins; the scope check in fields.ts then leaves those fields to organisation admins).
 */
function fieldProcedure(permission: WorkspacePermission) {
  return authedProcedure
    .meta({ access: { scope: 'workspace', permission, orOrg: undefined } })
    .input(fieldTargetInput)
    .use(async ({ ctx, input, next }) => {
      const home = await ctx.db
        .selectFrom('field_definitions as f')
        .innerJoin('workspaces as w', 'w.organisation_id', 'f.organisation_id')
        .select('w.id')
        .where('f.id', '=', input.fieldId)
        .where((eb) => eb.or([eb('w.id', '=', eb.ref('f.workspace_id')), eb.and([eb('f.workspace_id', 'is', null), eb('w.kind', '=', 'global')])]))
        .executeTakeFirst();
      const access = home ? await resolveWorkspaceAccess(ctx.db, ctx.user.id, home.id) : null;
      if (!access || !keyReaches(ctx.apiKey, access)) {
        throw new TRPCError({ code: 'NOT_FOUND', message: 'Field not found.' });
      }
      if (!workspaceRoleCan(access.role, permission)) throw new TRPCError({ code: 'FORBIDDEN', message: 'Your role does not allow this.' });
      return next({
        ctx: {
          ...ctx,
          org: { id: access.organisationId, role: access.orgRole },
          workspace: { id: access.workspaceId, kind: access.kind, role: access.role },
        },
      });
    });
}

const placeOf = (ctx: { org: { id: string; role: OrgRole }; workspace: { id: string; kind: 'global' | 'chapter' } }) => ({
  organisationId: ctx.org.id,
  workspaceId: ctx.workspace.id,
  kind: ctx.workspace.kind,
  orgRole: ctx.org.role,
});

export const fieldsRouter = router({
  list: workspaceProcedure('records.read')
    .meta({ openapi: { method: 'GET', path: '/workspaces/{workspaceId}/fields', tags: ['fields'], summary: 'The custom fields visible in a workspace' } })
    .input(listFieldsInput)
    .output(fieldListOutput)
    .query(({ ctx, input }) => listFields(ctx.db, placeOf(ctx), input.entity)),

  /** Workspace fields need the workspace's admins; core and global-internal ones organisation admins (checked in createField). */
  create: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/fields', tags: ['fields'], summary: 'Add a custom field' } })
    .input(createFieldInput)
    .output(fieldChangeOutput)
    .mutation(({ ctx, input }) => createField(ctx, actorOf(ctx), placeOf(ctx), input)),

  reorder: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'PUT', path: '/workspaces/{workspaceId}/fields/order', tags: ['fields'], summary: 'Set the order of fields (drag to reorder)' } })
    .input(reorderFieldsInput)
    .output(fieldListOutput)
    .mutation(({ ctx, input }) => reorderFields(ctx.db, actorOf(ctx), placeOf(ctx), input.entity, input.fieldIds)),

  update: fieldProcedure('workspace.settings')
    .meta({ openapi: { method: 'PATCH', path: '/fields/{fieldId}', tags: ['fields'], summary: "Change a field's label, description, required flag, position or options" } })
    .input(updateFieldInput)
    .output(fieldChangeOutput)
    .mutation(({ ctx, input }) => {
      const { fieldId, ...changes } = input;
      if (Object.values(changes).every((v) => v === undefined)) throw new TRPCError({ code: 'BAD_REQUEST', message: 'Change at least one setting.' });
      return updateField(ctx.db, actorOf(ctx), placeOf(ctx), fieldId, changes);
    }),

  changeType: fieldProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: '/fields/{fieldId}/type', tags: ['fields'], summary: "Change a field's type where every value converts (dry run available)" } })
    .input(changeFieldTypeInput)
    .output(changeFieldTypeOutput)
    .mutation(({ ctx, input }) => changeFieldType(ctx, actorOf(ctx), placeOf(ctx), input.fieldId, input)),

  deletePreview: fieldProcedure('workspace.settings')
    .meta({ openapi: { method: 'GET', path: '/fields/{fieldId}/deletion-preview', tags: ['fields'], summary: 'How many records hold a value of the field' } })
    .output(deleteFieldPreviewOutput)
    .query(({ ctx, input }) => previewFieldDeletion(ctx.db, placeOf(ctx), input.fieldId)),

  delete: fieldProcedure('workspace.settings')
    .meta({ openapi: { method: 'DELETE', path: '/fields/{fieldId}', tags: ['fields'], summary: 'Delete a field; its values are removed in the background' } })
    .output(deleteFieldOutput)
    .mutation(({ ctx, input }) => deleteField(ctx, actorOf(ctx), placeOf(ctx), input.fieldId)),
});
