import { TRPCError } from '@trpc/server';
import type { WorkspaceRole } from '@steward/db';
import { workspaceProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import { bulkUpsertContacts, createContact, deleteContact, getContact, linkContact, type RecordCaller, searchAllWorkspaces, searchContacts, unlinkContact, updateContact } from './contacts.js';
import { createCompany, deleteCompany, getCompany, searchCompanies, updateCompany } from './companies.js';
import { createDeal, deleteDeal, getDeal, searchDeals, updateDeal } from './deals.js';
import { contactImportsRouter } from './import/router.js';
import {
  bulkContactsInput,
  bulkContactsOutput,
  companyOutput,
  companyTargetInput,
  contactOutput,
  contactPageOutput,
  contactSearchInput,
  contactTargetInput,
  createCompanyInput,
  createContactInput,
  createDealInput,
  dealOutput,
  dealTargetInput,
  linkContactInput,
  pageInput,
  recordPageOutput,
  removedOutput,
  searchInput,
  updateCompanyInput,
  updateContactInput,
  updateDealInput,
} from './schemas.js';

type WorkspaceCtx = { user: { id: string }; org: { id: string }; workspace: { id: string; kind: 'global' | 'chapter'; role: WorkspaceRole | null; fieldsVersion: number } };

const callerOf = (ctx: WorkspaceCtx): RecordCaller => ({
  place: { organisationId: ctx.org.id, workspaceId: ctx.workspace.id, kind: ctx.workspace.kind, fieldsVersion: ctx.workspace.fieldsVersion },
  userId: ctx.user.id,
  role: ctx.workspace.role,
});

/** A patch with nothing in it is a mistake worth saying out loud. */
function assertSomeChange(changes: Record<string, unknown>) {
  if (Object.values(changes).every((v) => v === undefined)) throw new TRPCError({ code: 'BAD_REQUEST', message: 'Change at least one attribute or value.' });
}

export const contactsRouter = router({
  list: workspaceProcedure('records.read')
    .meta({ sideEffectFree: true, openapi: { method: 'GET', path: '/workspaces/{workspaceId}/contacts', tags: ['contacts'], summary: "A workspace's contacts, newest first (keyset pages)" } })
    .input(pageInput)
    .output(contactPageOutput)
    .query(({ ctx, input }) => searchContacts(ctx.db, callerOf(ctx).place, { ...input, filters: [] })),

  search: workspaceProcedure('records.read')
    .meta({ sideEffectFree: true, openapi: { method: 'POST', path: '/workspaces/{workspaceId}/contacts/search', tags: ['contacts'], summary: 'Contacts matching every filter (built-ins and custom fields)' } })
    .input(contactSearchInput)
    .output(contactPageOutput)
    .query(({ ctx, input }) => (input.allWorkspaces ? searchAllWorkspaces : searchContacts)(ctx.db, callerOf(ctx).place, input)),

  get: workspaceProcedure('records.read')
    .meta({ sideEffectFree: true, openapi: { method: 'GET', path: '/contacts/{contactId}', tags: ['contacts'], summary: 'One contact as a workspace sees it (pass workspaceId)' } })
    .input(contactTargetInput)
    .output(contactOutput)
    .query(({ ctx, input }) => getContact(ctx.db, callerOf(ctx).place, input.contactId)),

  create: workspaceProcedure('records.create')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/contacts', tags: ['contacts'], summary: 'Add a person to a workspace (409 when their email is already known: link them instead)' } })
    .input(createContactInput)
    .output(contactOutput)
    .mutation(({ ctx, input }) => createContact(ctx.db, actorOf(ctx), callerOf(ctx), input)),

  link: workspaceProcedure('records.create')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/contacts/link', tags: ['contacts'], summary: 'Link a person already known in the organisation (by email) to a workspace' } })
    .input(linkContactInput)
    .output(contactOutput)
    .mutation(({ ctx, input }) => linkContact(ctx.db, actorOf(ctx), callerOf(ctx), input)),

  update: workspaceProcedure('records.editOwn')
    .meta({ openapi: { method: 'PATCH', path: '/contacts/{contactId}', tags: ['contacts'], summary: 'Change a contact (values not sent are kept; null clears)' } })
    .input(updateContactInput)
    .output(contactOutput)
    .mutation(({ ctx, input }) => {
      const { contactId, workspaceId: _workspaceId, ...changes } = input;
      assertSomeChange(changes);
      return updateContact(ctx.db, actorOf(ctx), callerOf(ctx), contactId, changes);
    }),

  unlink: workspaceProcedure('records.editOwn')
    .meta({ openapi: { method: 'DELETE', path: '/contacts/{contactId}', tags: ['contacts'], summary: 'Remove a contact from a workspace (the person stays known elsewhere)' } })
    .input(contactTargetInput)
    .output(removedOutput)
    .mutation(({ ctx, input }) => unlinkContact(ctx.db, actorOf(ctx), callerOf(ctx), input.contactId)),

  delete: workspaceProcedure('records.editOwn')
    .meta({ openapi: { method: 'DELETE', path: '/contacts/{contactId}/everywhere', tags: ['contacts'], summary: 'Delete a person from the organisation, in every workspace' } })
    .input(contactTargetInput)
    .output(removedOutput)
    .mutation(({ ctx, input }) => deleteContact(ctx.db, actorOf(ctx), { ...callerOf(ctx), keyRestrictedHere: ctx.apiKey?.workspaceId != null }, input.contactId)),

  bulk: workspaceProcedure('records.create')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/contacts/bulk', tags: ['contacts'], summary: 'Upsert up to 1,000 contacts matched by email; one result per row' } })
    .input(bulkContactsInput)
    .output(bulkContactsOutput)
    .mutation(({ ctx, input }) => bulkUpsertContacts(ctx.db, actorOf(ctx), callerOf(ctx), input.rows)),

  /** CSV import (upload and report are file routes: import/routes.ts). */
  imports: contactImportsRouter,
});

export const companiesRouter = router({
  list: workspaceProcedure('records.read')
    .meta({ sideEffectFree: true, openapi: { method: 'GET', path: '/workspaces/{workspaceId}/companies', tags: ['companies'], summary: "A workspace's companies, newest first (keyset pages)" } })
    .input(pageInput)
    .output(recordPageOutput(companyOutput))
    .query(({ ctx, input }) => searchCompanies(ctx.db, callerOf(ctx).place, { ...input, filters: [] })),
  search: workspaceProcedure('records.read')
    .meta({ sideEffectFree: true, openapi: { method: 'POST', path: '/workspaces/{workspaceId}/companies/search', tags: ['companies'], summary: 'Companies matching every filter (name, domain, custom fields)' } })
    .input(searchInput)
    .output(recordPageOutput(companyOutput))
    .query(({ ctx, input }) => searchCompanies(ctx.db, callerOf(ctx).place, input)),
  get: workspaceProcedure('records.read')
    .meta({ sideEffectFree: true, openapi: { method: 'GET', path: '/companies/{companyId}', tags: ['companies'], summary: 'One company (pass workspaceId)' } })
    .input(companyTargetInput)
    .output(companyOutput)
    .query(({ ctx, input }) => getCompany(ctx.db, callerOf(ctx).place, input.companyId)),
  create: workspaceProcedure('records.create')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/companies', tags: ['companies'], summary: 'Add a company' } })
    .input(createCompanyInput)
    .output(companyOutput)
    .mutation(({ ctx, input }) => createCompany(ctx.db, actorOf(ctx), callerOf(ctx), input)),
  update: workspaceProcedure('records.editOwn')
    .meta({ openapi: { method: 'PATCH', path: '/companies/{companyId}', tags: ['companies'], summary: 'Change a company (values not sent are kept; null clears)' } })
    .input(updateCompanyInput)
    .output(companyOutput)
    .mutation(({ ctx, input }) => {
      const { companyId, workspaceId: _workspaceId, ...changes } = input;
      assertSomeChange(changes);
      return updateCompany(ctx.db, actorOf(ctx), callerOf(ctx), companyId, changes);
    }),
  delete: workspaceProcedure('records.editOwn')
    .meta({ openapi: { method: 'DELETE', path: '/companies/{companyId}', tags: ['companies'], summary: 'Delete a company' } })
    .input(companyTargetInput)
    .output(companyTargetInput)
    .mutation(({ ctx, input }) => deleteCompany(ctx.db, actorOf(ctx), callerOf(ctx), input.companyId)),
});

export const dealsRouter = router({
  list: workspaceProcedure('records.read')
    .meta({ sideEffectFree: true, openapi: { method: 'GET', path: '/workspaces/{workspaceId}/deals', tags: ['deals'], summary: "A workspace's deals, newest first (keyset pages)" } })
    .input(pageInput)
    .output(recordPageOutput(dealOutput))
    .query(({ ctx, input }) => searchDeals(ctx.db, callerOf(ctx).place, { ...input, filters: [] })),
  search: workspaceProcedure('records.read')
    .meta({ sideEffectFree: true, openapi: { method: 'POST', path: '/workspaces/{workspaceId}/deals/search', tags: ['deals'], summary: 'Deals matching every filter (name, amount, currency, company, owner, custom fields)' } })
    .input(searchInput)
    .output(recordPageOutput(dealOutput))
    .query(({ ctx, input }) => searchDeals(ctx.db, callerOf(ctx).place, input)),
  get: workspaceProcedure('records.read')
    .meta({ sideEffectFree: true, openapi: { method: 'GET', path: '/deals/{dealId}', tags: ['deals'], summary: 'One deal (pass workspaceId)' } })
    .input(dealTargetInput)
    .output(dealOutput)
    .query(({ ctx, input }) => getDeal(ctx.db, callerOf(ctx).place, input.dealId)),
  create: workspaceProcedure('records.create')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/deals', tags: ['deals'], summary: 'Add a deal' } })
    .input(createDealInput)
    .output(dealOutput)
    .mutation(({ ctx, input }) => createDeal(ctx.db, actorOf(ctx), callerOf(ctx), input)),
  update: workspaceProcedure('records.editOwn')
    .meta({ openapi: { method: 'PATCH', path: '/deals/{dealId}', tags: ['deals'], summary: 'Change a deal (values not sent are kept; null clears)' } })
    .input(updateDealInput)
    .output(dealOutput)
    .mutation(({ ctx, input }) => {
      const { dealId, workspaceId: _workspaceId, ...changes } = input;
      assertSomeChange(changes);
      return updateDeal(ctx.db, actorOf(ctx), callerOf(ctx), dealId, changes, ctx.jobs);
    }),
  delete: workspaceProcedure('records.editOwn')
    .meta({ openapi: { method: 'DELETE', path: '/deals/{dealId}', tags: ['deals'], summary: 'Delete a deal' } })
    .input(dealTargetInput)
    .output(dealTargetInput)
    .mutation(({ ctx, input }) => deleteDeal(ctx.db, actorOf(ctx), callerOf(ctx), input.dealId)),
});
