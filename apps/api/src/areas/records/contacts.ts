import { randomUUID } from 'node:crypto';
import { type Database, type Db, type FieldValues, sql, type Transaction, type WorkspaceRole } from '@steward/db';
import { workspaceRoleCan } from '../../access/matrix.js';
import { assertMayEdit, refuse } from './ownership.js';
import { resolveWorkspaceAccess } from '../../access/roles.js';
import { AppError, isUniqueViolation, notFound } from '../../errors.js';
import { type Actor, recordAudit } from '../audit/record.js';
import { enforceLimit } from '../billing/limits.js';
import { changedFields, emitContactUpserts, emitWebhookEvent, emitWebhookEvents } from '../webhooks/emit.js';
import { consentFilters } from '../consent/effective.js';
import { refuseSuppressed, SUPPRESSED_MESSAGE, suppressedAmong } from '../data-rights/suppression.js';
import { type BuiltIn, compileFilters, countMatching, decodeCursor, encodeCursor, type RecordPlace, visibleDefinitions } from './filters.js';
import { type ContactFields, contactFieldsSchema, type Filter } from './schemas.js';
import { contactPlacement, type FieldDefinition, validateValues, type ValuesProblem, visibleValues } from './values.js';

/**
 * Contacts: people of the organisation, seen by a workspace through their link to it
 * (`contact_workspaces`). Core and global-internal values live on the person, the workspace's
 * own values and assignee on the link. Every write, single or bulk, goes through `planContact`,
 * which validates built-ins (zod) and custom values (values.ts) the same way.
 */

export interface RecordCaller {
  place: RecordPlace;
  userId: string;
  /** Calling with an API key restricted to this workspace: no standing in any other, whatever the user holds. */
  keyRestrictedHere?: boolean;
  /** Effective role in the workspace. */
  role: WorkspaceRole | null;
}

export const CONTACT_BUILT_INS: Record<string, BuiltIn> = {
  firstName: { type: 'text', column: 'c.first_name', emptyIsUnset: true },
  lastName: { type: 'text', column: 'c.last_name', emptyIsUnset: true },
  email: { type: 'text', column: 'c.email', lowercase: true },
  phone: { type: 'text', column: 'c.phone' },
  country: { type: 'text', column: 'c.country' },
  language: { type: 'text', column: 'c.language' },
  assigneeUserId: { type: 'id', column: 'cw.assignee_user_id' },
};

export const contactValuesColumn = (field: FieldDefinition) => (contactPlacement(field.scope) === 'link' ? 'cw.field_values' : 'c.field_values');

function contactsIn(db: Db | Transaction<Database>, place: RecordPlace) {
  return db
    .selectFrom('contact_workspaces as cw')
    .innerJoin('contacts as c', 'c.id', 'cw.contact_id')
    .where('cw.workspace_id', '=', place.workspaceId)
    .where('c.organisation_id', '=', place.organisationId);
}

const contactColumns = [
  'c.id',
  'c.first_name as firstName',
  'c.last_name as lastName',
  'c.email',
  'c.phone',
  'c.country',
  'c.language',
  'c.created_in_workspace_id as createdInWorkspaceId',
  'cw.assignee_user_id as assigneeUserId',
  'cw.created_by as createdBy',
  'cw.created_at as createdAt',
  'c.field_values as contactValues',
  'cw.field_values as linkValues',
] as const;

type ContactRow = {
  id: string;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  country: string | null;
  language: string | null;
  createdInWorkspaceId: string | null;
  assigneeUserId: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  contactValues: FieldValues;
  linkValues: FieldValues;
};

function toContact(row: ContactRow, fields: FieldDefinition[]) {
  const { contactValues, linkValues, ...rest } = row;
  return { ...rest, values: visibleValues(fields, contactValues, linkValues) };
}

async function readContact(db: Db | Transaction<Database>, place: RecordPlace, contactId: string, fields: FieldDefinition[]) {
  const row = await contactsIn(db, place)
    .select(contactColumns)
    .select(sql<Date>`greatest(c.updated_at, cw.updated_at)`.as('updatedAt'))
    .where('c.id', '=', contactId)
    .executeTakeFirst();
  if (!row) throw notFound('Contact');
  return toContact(row, fields);
}

export async function getContact(db: Db, place: RecordPlace, contactId: string) {
  return readContact(db, place, contactId, await visibleDefinitions(db, place, 'contact'));
}

/** Lists and searches: filters ANDed, keyset pages newest first, a total exact up to 10,000. */
export async function searchContacts(db: Db, place: RecordPlace, input: { filters: Filter[]; limit: number; cursor?: string }) {
  const fields = await visibleDefinitions(db, place, 'contact');
  const conditions = compileFilters(input.filters, CONTACT_BUILT_INS, fields, contactValuesColumn, await consentFilters(db, place, input.filters));
  const after = decodeCursor(input.cursor);
  let matching = contactsIn(db, place);
  for (const condition of conditions) matching = matching.where(condition);

  let page = matching
    .select(contactColumns)
    .select([sql<Date>`greatest(c.updated_at, cw.updated_at)`.as('updatedAt'), sql<string>`cw.created_at::text`.as('cursorAt')])
    .orderBy('cw.created_at', 'desc')
    .orderBy('cw.contact_id', 'desc')
    .limit(input.limit + 1);
  if (after) page = page.where(sql<boolean>`(cw.created_at, cw.contact_id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  // Counted over the links alone when no filter reads the contact row: joining a million contacts
  // only to count links costs a hash join over all of them.
  let counted = db.selectFrom('contact_workspaces as cw').where('cw.workspace_id', '=', place.workspaceId);
  for (const condition of conditions) counted = counted.where(condition);
  const countable = readsContactRow(input.filters, fields) ? matching.select(sql.lit(1).as('one')) : counted.select(sql.lit(1).as('one'));
  const [rows, totals] = await Promise.all([page.execute(), countMatching(db, countable)]);
  return contactPage(rows, input.limit, fields, totals);
}

/** Whether a filter compares something kept on the contact row (not on the workspace's link). */
function readsContactRow(filters: Filter[], fields: FieldDefinition[]): boolean {
  return filters.some((filter) => {
    const builtIn = Object.hasOwn(CONTACT_BUILT_INS, filter.field) ? CONTACT_BUILT_INS[filter.field] : undefined;
    if (builtIn) return !builtIn.column.startsWith('cw.');
    const field = fields.find((f) => f.key === filter.field);
    return !field || contactValuesColumn(field) !== 'cw.field_values';
  });
}

/**
 * The read-only "all workspaces" view (org admins and global-role holders: whoever may read the
 * global workspace): every person of the organisation, linked to the global workspace or not,
 * with the values the global workspace sees. No chapter's own values are shown.
 */
export async function searchAllWorkspaces(db: Db, place: RecordPlace, input: { filters: Filter[]; limit: number; cursor?: string }) {
  if (place.kind !== 'global') throw new AppError('BAD_REQUEST', 'The all-workspaces view opens from the global workspace.');
  const fields = await visibleDefinitions(db, place, 'contact');
  const linkValues = "coalesce(cw.field_values, '{}'::jsonb)";
  const conditions = compileFilters(
    input.filters,
    CONTACT_BUILT_INS,
    fields,
    (f) => (contactPlacement(f.scope) === 'link' ? linkValues : 'c.field_values'),
    await consentFilters(db, place, input.filters),
  );
  const after = decodeCursor(input.cursor);
  let matching = db
    .selectFrom('contacts as c')
    .leftJoin('contact_workspaces as cw', (j) => j.onRef('cw.contact_id', '=', 'c.id').on('cw.workspace_id', '=', place.workspaceId))
    .where('c.organisation_id', '=', place.organisationId);
  for (const condition of conditions) matching = matching.where(condition);
  let page = matching
    .select(['c.id', 'c.first_name as firstName', 'c.last_name as lastName', 'c.email', 'c.phone', 'c.country', 'c.language', 'c.created_in_workspace_id as createdInWorkspaceId'])
    .select(['cw.assignee_user_id as assigneeUserId', 'c.created_by as createdBy', 'c.created_at as createdAt', 'c.updated_at as updatedAt', 'c.field_values as contactValues'])
    .select([sql<FieldValues>`${sql.raw(linkValues)}`.as('linkValues'), sql<string>`c.created_at::text`.as('cursorAt')])
    .orderBy('c.created_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(input.limit + 1);
  if (after) page = page.where(sql<boolean>`(c.created_at, c.id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  const [rows, totals] = await Promise.all([page.execute(), countMatching(db, matching.select(sql.lit(1).as('one')))]);
  return contactPage(rows, input.limit, fields, totals);
}

/** A keyset page: `limit + 1` rows were read, so a row beyond the page says there is a next one. */
function contactPage(rows: (ContactRow & { cursorAt: string })[], limit: number, fields: FieldDefinition[], totals: { total: number; totalIsEstimate: boolean }) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(({ cursorAt: _c, ...row }) => toContact(row, fields)),
    nextCursor: rows.length > limit && last ? encodeCursor(last.cursorAt, last.id) : null,
    ...totals,
  };
}

// --- planning a write -------------------------------------------------------------------------

interface ContactState {
  first_name: string;
  last_name: string;
  email: string | null;
  phone: string | null;
  country: string | null;
  language: string | null;
  contactValues: FieldValues;
  assignee_user_id: string | null;
  linkValues: FieldValues;
}

const EMPTY_STATE: ContactState = { first_name: '', last_name: '', email: null, phone: null, country: null, language: null, contactValues: {}, assignee_user_id: null, linkValues: {} };

const keep = <T>(sent: T | undefined, current: T) => (sent === undefined ? current : sent);

/**
 * The state after applying a patch, or every problem with it. `assignable` holds the user ids
 * that may be assignees (members of the organisation) among those the patch names.
 */
function planContact(fields: FieldDefinition[], state: ContactState, input: ContactFields, assignable: Set<string>): { ok: true; state: ContactState } | { ok: false; problems: ValuesProblem[] } {
  const problems: ValuesProblem[] = [];
  if (input.assigneeUserId && !assignable.has(input.assigneeUserId)) {
    problems.push({ field: 'assigneeUserId', message: 'The assignee must be a member of this organisation.' });
  }
  const checked = validateValues(fields, input.values, { ...state.contactValues, ...state.linkValues });
  if (!checked.ok) problems.push(...checked.problems);
  if (problems.length > 0 || !checked.ok) return { ok: false, problems };
  const onLink = new Set(fields.filter((f) => contactPlacement(f.scope) === 'link').map((f) => f.key));
  const contactValues = { ...state.contactValues };
  const linkValues = { ...state.linkValues };
  for (const [key, value] of Object.entries(checked.set)) (onLink.has(key) ? linkValues : contactValues)[key] = value;
  for (const key of checked.clear) delete (onLink.has(key) ? linkValues : contactValues)[key];
  return {
    ok: true,
    state: {
      first_name: keep(input.firstName, state.first_name),
      last_name: keep(input.lastName, state.last_name),
      email: keep(input.email, state.email),
      phone: keep(input.phone, state.phone),
      country: keep(input.country, state.country),
      language: keep(input.language, state.language),
      contactValues,
      assignee_user_id: keep(input.assigneeUserId, state.assignee_user_id),
      linkValues,
    },
  };
}

async function assignableUsers(trx: Transaction<Database>, organisationId: string, userIds: (string | null | undefined)[]) {
  const ids = [...new Set(userIds.filter((id): id is string => typeof id === 'string'))];
  if (ids.length === 0) return new Set<string>();
  const rows = await trx.selectFrom('memberships').select('user_id').where('organisation_id', '=', organisationId).where('user_id', 'in', ids).execute();
  return new Set(rows.map((r) => r.user_id));
}

const knownPerson = (email: string) =>
  new AppError('CONFLICT', `A person with the email ${email} is already known in your organisation. Link them to this workspace instead of creating them again.`);

const contactRow = (state: ContactState) => ({
  first_name: state.first_name,
  last_name: state.last_name,
  email: state.email,
  phone: state.phone,
  country: state.country,
  language: state.language,
  field_values: JSON.stringify(state.contactValues),
});

interface ContactWrites {
  inserts: { id: string; state: ContactState }[];
  links: { contactId: string; state: ContactState }[];
  contactUpdates: { id: string; state: ContactState }[];
  linkUpdates: { contactId: string; state: ContactState }[];
}

/** Every write of contacts in a few statements, whatever the number of rows. */
async function writeContacts(trx: Transaction<Database>, caller: RecordCaller, writes: ContactWrites) {
  const { organisationId, workspaceId } = caller.place;
  if (writes.inserts.length > 0) {
    await enforceLimit(trx, organisationId, 'contacts', writes.inserts.length);
    await trx
      .insertInto('contacts')
      .values(writes.inserts.map((w) => ({ id: w.id, organisation_id: organisationId, created_in_workspace_id: workspaceId, created_by: caller.userId, ...contactRow(w.state) })))
      .execute();
  }
  if (writes.contactUpdates.length > 0) {
    const rows = writes.contactUpdates.map((w) => ({ id: w.id, ...contactRow(w.state), field_values: w.state.contactValues }));
    await sql`
      update contacts c set first_name = v.first_name, last_name = v.last_name, email = v.email, phone = v.phone,
        country = v.country, language = v.language, field_values = v.field_values, updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as v(id uuid, first_name text, last_name text, email text, phone text, country text, language text, field_values jsonb)
      where c.id = v.id and c.organisation_id = ${organisationId}::uuid`.execute(trx);
  }
  if (writes.links.length > 0) {
    await trx
      .insertInto('contact_workspaces')
      .values(
        writes.links.map((w) => ({
          workspace_id: workspaceId,
          contact_id: w.contactId,
          organisation_id: organisationId,
          assignee_user_id: w.state.assignee_user_id,
          field_values: JSON.stringify(w.state.linkValues),
          created_by: caller.userId,
        })),
      )
      .execute();
  }
  if (writes.linkUpdates.length > 0) {
    const rows = writes.linkUpdates.map((w) => ({ contact_id: w.contactId, assignee_user_id: w.state.assignee_user_id, field_values: w.state.linkValues }));
    await sql`
      update contact_workspaces cw set assignee_user_id = v.assignee_user_id, field_values = v.field_values, updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(contact_id uuid, assignee_user_id uuid, field_values jsonb)
      where cw.workspace_id = ${workspaceId}::uuid and cw.contact_id = v.contact_id`.execute(trx);
  }
}

const noWrites = (): ContactWrites => ({ inserts: [], links: [], contactUpdates: [], linkUpdates: [] });

const stateColumns = [
  'c.id',
  'c.first_name',
  'c.last_name',
  'c.email',
  'c.phone',
  'c.country',
  'c.language',
  'c.field_values as contactValues',
  'cw.assignee_user_id',
  'cw.field_values as linkValues',
  'cw.created_by',
] as const;

/** The contact as this workspace has it, locked for the write; NOT_FOUND when not linked here. */
async function lockedContact(trx: Transaction<Database>, place: RecordPlace, contactId: string) {
  const row = await contactsIn(trx, place).select(stateColumns).where('c.id', '=', contactId).forUpdate().executeTakeFirst();
  if (!row) throw notFound('Contact');
  return row;
}

async function withEmailConflicts<T>(email: string | null | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error, 'contacts_organisation_email_key')) throw knownPerson(email ?? 'this address');
    throw error;
  }
}

export async function createContact(db: Db, actor: Actor, caller: RecordCaller, input: ContactFields) {
  return withEmailConflicts(input.email, () =>
    db.transaction().execute(async (trx) => {
      const fields = await visibleDefinitions(trx, caller.place, 'contact');
      if (input.email) {
        const existing = await trx
          .selectFrom('contacts as c')
          .select((eb) => ['c.id', eb.exists(eb.selectFrom('contact_workspaces as cw').select('cw.contact_id').whereRef('cw.contact_id', '=', 'c.id').where('cw.workspace_id', '=', caller.place.workspaceId)).as('here')])
          .where('c.organisation_id', '=', caller.place.organisationId)
          .where(sql<string>`lower(c.email)`, '=', input.email.toLowerCase())
          .executeTakeFirst();
        if (existing?.here) throw new AppError('CONFLICT', `A contact with the email ${input.email} is already in this workspace.`);
        if (existing) throw knownPerson(input.email);
      }
      const planned = planContact(fields, EMPTY_STATE, input, await assignableUsers(trx, caller.place.organisationId, [input.assigneeUserId]));
      if (!planned.ok) throw refuse(planned.problems);
      const id = randomUUID();
      await writeContacts(trx, caller, { ...noWrites(), inserts: [{ id, state: planned.state }], links: [{ contactId: id, state: planned.state }] });
      // After the write, so that an erasure committing meanwhile is seen (the insert waits for it on the email's unique index).
      await refuseSuppressed(trx, caller.place.organisationId, [planned.state.email]);
      const created = await readContact(trx, caller.place, id, fields);
      await recordAudit(trx, actor, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, action: 'contacts.create', targetType: 'contact', targetId: id, after: created });
      await emitWebhookEvent(trx, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, type: 'contact.created', data: { contact: created, via: 'create' } });
      return created;
    }),
  );
}

/** Links a person already known in the organisation (found by email) to this workspace. */
export async function linkContact(db: Db, actor: Actor, caller: RecordCaller, input: { email: string; assigneeUserId?: string | null; values?: Record<string, unknown> }) {
  return db.transaction().execute(async (trx) => {
    const fields = await visibleDefinitions(trx, caller.place, 'contact');
    const person = await trx
      .selectFrom('contacts as c')
      .leftJoin('contact_workspaces as cw', (j) => j.onRef('cw.contact_id', '=', 'c.id').on('cw.workspace_id', '=', caller.place.workspaceId))
      .select(['c.id', 'c.first_name', 'c.last_name', 'c.email', 'c.phone', 'c.country', 'c.language', 'c.field_values', 'cw.contact_id as linked'])
      .where('c.organisation_id', '=', caller.place.organisationId)
      .where(sql<string>`lower(c.email)`, '=', input.email.toLowerCase())
      .forUpdate(['c'])
      .executeTakeFirst();
    if (!person) throw new AppError('NOT_FOUND', `No one with the email ${input.email} is known in your organisation yet. Create the contact instead.`);
    if (person.linked) throw new AppError('CONFLICT', `A contact with the email ${input.email} is already in this workspace.`);
    const state: ContactState = { ...EMPTY_STATE, ...person, contactValues: person.field_values };
    const planned = planContact(fields, state, { assigneeUserId: input.assigneeUserId, values: input.values }, await assignableUsers(trx, caller.place.organisationId, [input.assigneeUserId]));
    if (!planned.ok) throw refuse(planned.problems);
    const writes = noWrites();
    writes.links.push({ contactId: person.id, state: planned.state });
    if (JSON.stringify(planned.state.contactValues) !== JSON.stringify(state.contactValues)) writes.contactUpdates.push({ id: person.id, state: planned.state });
    await writeContacts(trx, caller, writes);
    const linked = await readContact(trx, caller.place, person.id, fields);
    await recordAudit(trx, actor, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, action: 'contacts.link', targetType: 'contact', targetId: person.id, after: linked });
    await emitWebhookEvent(trx, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, type: 'contact.created', data: { contact: linked, via: 'link' } });
    return linked;
  });
}

export async function updateContact(db: Db, actor: Actor, caller: RecordCaller, contactId: string, input: ContactFields) {
  return withEmailConflicts(input.email, () =>
    db.transaction().execute(async (trx) => {
      const fields = await visibleDefinitions(trx, caller.place, 'contact');
      const current = await lockedContact(trx, caller.place, contactId);
      assertMayEdit(caller, current);
      const before = await readContact(trx, caller.place, contactId, fields);
      const planned = planContact(fields, current, input, await assignableUsers(trx, caller.place.organisationId, [input.assigneeUserId]));
      if (!planned.ok) throw refuse(planned.problems);
      await writeContacts(trx, caller, { ...noWrites(), contactUpdates: [{ id: contactId, state: planned.state }], linkUpdates: [{ contactId, state: planned.state }] });
      if (planned.state.email !== current.email) await refuseSuppressed(trx, caller.place.organisationId, [planned.state.email]);
      const after = await readContact(trx, caller.place, contactId, fields);
      await recordAudit(trx, actor, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, action: 'contacts.update', targetType: 'contact', targetId: contactId, before, after });
      const changed = changedFields(before, after);
      if (changed.length > 0) await emitWebhookEvent(trx, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, type: 'contact.updated', data: { contact: after, changed } });
      return after;
    }),
  );
}

/** Removes the person from this workspace only: the link, its assignee and this workspace's values go. */
export async function unlinkContact(db: Db, actor: Actor, caller: RecordCaller, contactId: string) {
  return db.transaction().execute(async (trx) => {
    const current = await lockedContact(trx, caller.place, contactId);
    assertMayEdit(caller, current);
    await trx.deleteFrom('contact_workspaces').where('workspace_id', '=', caller.place.workspaceId).where('contact_id', '=', contactId).execute();
    await recordAudit(trx, actor, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, action: 'contacts.unlink', targetType: 'contact', targetId: contactId, before: { email: current.email } });
    await emitWebhookEvent(trx, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, type: 'contact.deleted', data: { contact: { id: contactId, email: current.email }, removed: 'fromWorkspace' } });
    return { contactId, removed: 'fromWorkspace' as const };
  });
}

/**
 * Deletes the person everywhere. Allowed to whoever may change them in every workspace that
 * knows them: organisation admins and global admins always; a member only for a person they own
 * who is known to their workspace alone. Nothing about the other workspaces is disclosed.
 */
export async function deleteContact(db: Db, actor: Actor, caller: RecordCaller, contactId: string) {
  return db.transaction().execute(async (trx) => {
    const current = await lockedContact(trx, caller.place, contactId);
    assertMayEdit(caller, current);
    const elsewhere = await trx.selectFrom('contact_workspaces').select('workspace_id').where('contact_id', '=', contactId).where('workspace_id', '!=', caller.place.workspaceId).execute();
    if (caller.keyRestrictedHere && elsewhere.length > 0) {
      throw new AppError('FORBIDDEN', 'This API key is restricted to one workspace, and this person is known to others too. Remove them from this workspace instead.');
    }
    // A person is linked to a handful of workspaces; each access check is one indexed query.
    const roles = await Promise.all(elsewhere.map((l) => resolveWorkspaceAccess(db, caller.userId, l.workspace_id)));
    if (roles.some((access) => !workspaceRoleCan(access?.role ?? null, 'records.editAny'))) {
      throw new AppError('FORBIDDEN', 'Only organisation admins and global admins can delete a person everywhere. Remove them from this workspace instead.');
    }
    await trx.deleteFrom('contacts').where('id', '=', contactId).where('organisation_id', '=', caller.place.organisationId).execute();
    await recordAudit(trx, actor, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, action: 'contacts.delete', targetType: 'contact', targetId: contactId, before: { email: current.email, firstName: current.first_name, lastName: current.last_name } });
    // Every workspace that knew the person hears of it.
    await emitWebhookEvents(
      trx,
      [caller.place.workspaceId, ...elsewhere.map((l) => l.workspace_id)].map((workspaceId) => ({
        organisationId: caller.place.organisationId,
        workspaceId,
        type: 'contact.deleted' as const,
        data: { contact: { id: contactId, email: current.email }, removed: 'everywhere' },
      })),
    );
    return { contactId, removed: 'everywhere' as const };
  });
}

// --- bulk ---------------------------------------------------------------------------------------

type BulkResult = {
  row: number;
  status: 'created' | 'updated' | 'linked' | 'error';
  contactId: string | null;
  errors: ValuesProblem[];
  /** The row's address was erased on request (data-rights/suppression.ts): what it holds must not be kept. */
  suppressed?: true;
};

/**
 * The people of the organisation with these (lower-case) emails, locked for the write, each with
 * their link to this workspace if they have one: one index probe per email, in a fixed order (so
 * that two writes sharing people wait for each other instead of deadlocking). Written as
 * `lower(email) in (…)`, the planner has no statistics on the expression (its index is partial),
 * guesses that a thousand emails match most of the organisation and scans all of it: 50 ms a call
 * at 100,000 contacts, growing with them, where the probes take under a millisecond.
 */
async function lockedByEmail(trx: Transaction<Database>, place: RecordPlace, emails: string[]) {
  const { rows } = await sql<{
    id: string;
    first_name: string;
    last_name: string;
    email: string | null;
    phone: string | null;
    country: string | null;
    language: string | null;
    contactValues: FieldValues;
    assignee_user_id: string | null;
    linkValues: FieldValues | null;
    created_by: string | null;
    linked: string | null;
  }>`
    select c.id, c.first_name, c.last_name, c.email, c.phone, c.country, c.language, c.field_values as "contactValues",
      cw.assignee_user_id, cw.field_values as "linkValues", cw.created_by, cw.contact_id as linked
    from unnest(${[...emails].sort()}::text[]) as wanted(email)
    cross join lateral (
      select * from contacts
      where organisation_id = ${place.organisationId}::uuid and lower(email) = wanted.email and email is not null
      for update
    ) c
    left join lateral (select * from contact_workspaces where workspace_id = ${place.workspaceId}::uuid and contact_id = c.id) cw on true`.execute(trx);
  return rows;
}

/**
 * Matches up to 1,000 contacts by email and validates each row, without writing: a person already
 * in this workspace is to be updated (patch semantics, ownership rules apply), one known elsewhere
 * in the organisation linked here, anyone else created. Each row gets its own result.
 */
async function planUpserts(trx: Transaction<Database>, caller: RecordCaller, rows: Record<string, unknown>[]) {
  const fields = await visibleDefinitions(trx, caller.place, 'contact');
  const parsed = rows.map((row) => contactFieldsSchema.safeParse(row));
  const emails = [...new Set(parsed.flatMap((p) => (p.success && p.data.email ? [p.data.email] : [])))];
  const [existing, suppressed] = emails.length ? await Promise.all([lockedByEmail(trx, caller.place, emails), suppressedAmong(trx, caller.place.organisationId, emails)]) : [[], new Set<string>()];
  const byEmail = new Map(existing.map((e) => [e.email!.toLowerCase(), e]));
  const assignable = await assignableUsers(trx, caller.place.organisationId, parsed.map((p) => (p.success ? p.data.assigneeUserId : null)));

  const writes = noWrites();
  const seen = new Map<string, number>();
  const results: BulkResult[] = parsed.map((p, row) => {
    const failed = (errors: ValuesProblem[]): BulkResult => ({ row, status: 'error', contactId: null, errors });
    if (!p.success) return failed(p.error.issues.map((i) => ({ field: i.path.join('.') || 'row', message: i.message })));
    const input = p.data;
    if (input.email) {
      if (seen.has(input.email)) return failed([{ field: 'email', message: `The email ${input.email} is also in row ${seen.get(input.email)}.` }]);
      seen.set(input.email, row);
    }
    if (input.email && suppressed.has(input.email.toLowerCase())) return { ...failed([{ field: 'email', message: SUPPRESSED_MESSAGE }]), suppressed: true };
    const match = input.email ? byEmail.get(input.email) : undefined;
    const state: ContactState = match ? { ...EMPTY_STATE, ...match, assignee_user_id: match.linked ? match.assignee_user_id : null, linkValues: match.linked ? (match.linkValues ?? {}) : {} } : EMPTY_STATE;
    if (match?.linked) {
      try {
        assertMayEdit(caller, { created_by: match.created_by, assignee_user_id: match.assignee_user_id });
      } catch (error) {
        return failed([{ field: 'row', message: (error as Error).message }]);
      }
    }
    const planned = planContact(fields, state, input, assignable);
    if (!planned.ok) return failed(planned.problems);
    if (match?.linked) {
      writes.contactUpdates.push({ id: match.id, state: planned.state });
      writes.linkUpdates.push({ contactId: match.id, state: planned.state });
      return { row, status: 'updated', contactId: match.id, errors: [] };
    }
    if (match) {
      writes.contactUpdates.push({ id: match.id, state: planned.state });
      writes.links.push({ contactId: match.id, state: planned.state });
      return { row, status: 'linked', contactId: match.id, errors: [] };
    }
    const id = randomUUID();
    writes.inserts.push({ id, state: planned.state });
    writes.links.push({ contactId: id, state: planned.state });
    return { row, status: 'created', contactId: id, errors: [] };
  });
  return { results, writes };
}

/**
 * Upserts up to 1,000 contacts matched by email (see `planUpserts`) in the caller's transaction:
 * the valid rows are written together in a handful of statements, the others answered with their
 * problems. REST bulk upsert and the CSV import both write through here.
 */
export async function upsertContacts(trx: Transaction<Database>, caller: RecordCaller, rows: Record<string, unknown>[]) {
  const { results, writes } = await planUpserts(trx, caller, rows);
  await withEmailConflicts(null, () => writeContacts(trx, caller, writes));
  await emitContactUpserts(trx, caller.place, writes);
  // An erasure that committed since the rows were planned: the whole write is refused (a retry then refuses the row alone).
  await refuseSuppressed(trx, caller.place.organisationId, writes.inserts.map((w) => w.state.email));
  const count = (status: BulkResult['status']) => results.filter((r) => r.status === status).length;
  return { results, created: count('created'), updated: count('updated'), linked: count('linked'), failed: count('error') };
}

/** What `upsertContacts` would do with these rows, written nowhere: the CSV import's preview. */
export async function planContactUpserts(db: Db, caller: RecordCaller, rows: Record<string, unknown>[]) {
  return db.transaction().execute(async (trx) => (await planUpserts(trx, caller, rows)).results);
}

/** REST bulk upsert: `upsertContacts` in one transaction, with one audit entry for the request. */
export async function bulkUpsertContacts(db: Db, actor: Actor, caller: RecordCaller, rows: Record<string, unknown>[]) {
  return db.transaction().execute(async (trx) => {
    const outcome = await upsertContacts(trx, caller, rows);
    const { results: _results, ...summary } = outcome;
    await recordAudit(trx, actor, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, action: 'contacts.bulk', targetType: 'contact', after: summary });
    return outcome;
  });
}
