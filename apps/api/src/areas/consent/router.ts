import { TRPCError } from '@trpc/server';
import type { WorkspaceRole } from '@steward/db';
import { workspaceProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import type { RecordCaller } from '../records/contacts.js';
import { contactTargetInput } from '../records/schemas.js';
import { createCategory, deleteCategory, getCategory, listCategories, reorderCategories, setCategoryArchived, updateCategory } from './categories.js';
import { bulkSetConsent, consentHistory, readConsent, setConsent } from './consent.js';
import {
  bulkSetConsentInput,
  bulkSetConsentOutput,
  categoryListOutput,
  categoryOutput,
  categoryTargetInput,
  consentHistoryInput,
  consentHistoryOutput,
  consentOutput,
  createCategoryInput,
  deletedCategoryOutput,
  reorderCategoriesInput,
  setConsentInput,
  updateCategoryInput,
} from './schemas.js';

type WorkspaceCtx = { user: { id: string }; org: { id: string }; workspace: { id: string; kind: 'global' | 'chapter'; role: WorkspaceRole | null; fieldsVersion: number } };

const placeOf = (ctx: WorkspaceCtx) => ({ organisationId: ctx.org.id, workspaceId: ctx.workspace.id });
const callerOf = (ctx: WorkspaceCtx): RecordCaller => ({
  place: { organisationId: ctx.org.id, workspaceId: ctx.workspace.id, kind: ctx.workspace.kind, fieldsVersion: ctx.workspace.fieldsVersion },
  userId: ctx.user.id,
  role: ctx.workspace.role,
});

const TAGS = ['email categories'];

/** Categories are read by whoever reads records (the record shows them); managed by the workspace's admins (SPEC §2). */
export const emailCategoriesRouter = router({
  list: workspaceProcedure('records.read')
    .meta({ openapi: { method: 'GET', path: '/workspaces/{workspaceId}/email-categories', tags: TAGS, summary: "A workspace's email categories in their order, archived ones included" } })
    .output(categoryListOutput)
    .query(({ ctx }) => listCategories(ctx.db, placeOf(ctx))),

  get: workspaceProcedure('records.read')
    .meta({ openapi: { method: 'GET', path: '/workspaces/{workspaceId}/email-categories/{categoryId}', tags: TAGS, summary: 'One email category' } })
    .input(categoryTargetInput)
    .output(categoryOutput)
    .query(({ ctx, input }) => getCategory(ctx.db, placeOf(ctx), input.categoryId)),

  create: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/email-categories', tags: TAGS, summary: 'Add an email category (last in the order)' } })
    .input(createCategoryInput)
    .output(categoryOutput)
    .mutation(({ ctx, input }) => createCategory(ctx.db, actorOf(ctx), ctx.user.id, placeOf(ctx), input)),

  update: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'PATCH', path: '/workspaces/{workspaceId}/email-categories/{categoryId}', tags: TAGS, summary: "Change a category's name, description or default" } })
    .input(updateCategoryInput)
    .output(categoryOutput)
    .mutation(({ ctx, input }) => {
      const { categoryId, workspaceId: _workspaceId, ...changes } = input;
      if (Object.values(changes).every((v) => v === undefined)) throw new TRPCError({ code: 'BAD_REQUEST', message: 'Change at least one setting.' });
      return updateCategory(ctx.db, actorOf(ctx), placeOf(ctx), categoryId, changes);
    }),

  reorder: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'PUT', path: '/workspaces/{workspaceId}/email-categories/order', tags: TAGS, summary: 'Set the order of categories in one call' } })
    .input(reorderCategoriesInput)
    .output(categoryListOutput)
    .mutation(({ ctx, input }) => reorderCategories(ctx.db, actorOf(ctx), placeOf(ctx), input.categoryIds)),

  archive: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/email-categories/{categoryId}/archive', tags: TAGS, summary: 'Archive a category (choices are kept)' } })
    .input(categoryTargetInput)
    .output(categoryOutput)
    .mutation(({ ctx, input }) => setCategoryArchived(ctx.db, actorOf(ctx), placeOf(ctx), input.categoryId, true)),

  restore: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/email-categories/{categoryId}/restore', tags: TAGS, summary: 'Restore an archived category' } })
    .input(categoryTargetInput)
    .output(categoryOutput)
    .mutation(({ ctx, input }) => setCategoryArchived(ctx.db, actorOf(ctx), placeOf(ctx), input.categoryId, false)),

  delete: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'DELETE', path: '/workspaces/{workspaceId}/email-categories/{categoryId}', tags: TAGS, summary: 'Delete a category no contact ever chose or refused (409 otherwise: archive it)' } })
    .input(categoryTargetInput)
    .output(deletedCategoryOutput)
    .mutation(({ ctx, input }) => deleteCategory(ctx.db, actorOf(ctx), placeOf(ctx), input.categoryId)),
});

/** A contact's consent: read with the record, changed like the record (owners and admins), in bulk by admins. */
export const consentRouter = router({
  get: workspaceProcedure('records.read')
    .meta({ openapi: { method: 'GET', path: '/contacts/{contactId}/consent', tags: ['consent'], summary: "A contact's consent in a workspace, each category with its effective state (pass workspaceId)" } })
    .input(contactTargetInput)
    .output(consentOutput)
    .query(({ ctx, input }) => readConsent(ctx.db, callerOf(ctx).place, input.contactId)),

  history: workspaceProcedure('records.read')
    .meta({ openapi: { method: 'GET', path: '/contacts/{contactId}/consent/history', tags: ['consent'], summary: "Every change of a contact's consent seen from a workspace, newest first" } })
    .input(consentHistoryInput)
    .output(consentHistoryOutput)
    .query(({ ctx, input }) => consentHistory(ctx.db, callerOf(ctx).place, input.contactId, input)),

  set: workspaceProcedure('records.editOwn')
    .meta({ openapi: { method: 'POST', path: '/contacts/{contactId}/consent', tags: ['consent'], summary: "Change a contact's global unsubscribe, workspace switch or category choices" } })
    .input(setConsentInput)
    .output(consentOutput)
    .mutation(({ ctx, input }) => {
      const { contactId, workspaceId: _workspaceId, ...patch } = input;
      if (patch.globallyUnsubscribed === undefined && patch.workspace === undefined && !patch.categories?.length) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'Change at least one level of consent.' });
      }
      return setConsent(ctx.db, actorOf(ctx), callerOf(ctx), contactId, patch);
    }),

  bulkSet: workspaceProcedure('records.editAny')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/contacts/consent', tags: ['consent'], summary: 'Apply one consent change to every contact matching the filters' } })
    .input(bulkSetConsentInput)
    .output(bulkSetConsentOutput)
    .mutation(({ ctx, input }) => bulkSetConsent(ctx.db, actorOf(ctx), callerOf(ctx), input.filters, input.change)),
});
