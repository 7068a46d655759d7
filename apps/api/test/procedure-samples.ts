import { randomBytes } from 'node:crypto';
import { actorFor, addMember, subscribeOrganisation, type TestApp } from '@steward/test-kit';
import { generateApiKey } from '../src/auth/api-keys.js';
import { inviteUser } from '../src/areas/users/invitations.js';
import { storeImportFile } from '../src/areas/records/import/csv-file.js';
import { channelSamples } from './channel-samples.js';
import { createSubscription } from '../src/areas/webhooks/webhooks.js';
import { OAUTH_PROVIDER_DEFINITIONS } from '../src/oauth-connect/index.js';
import { insertConnection } from '../src/oauth-connect/connections.js';

export interface SampleTarget {
  organisationId: string;
  /** A chapter workspace made for this call. */
  workspaceId: string;
  /** Whoever will make the call. */
  caller: { id: string; email: string };
  /** An admin of the organisation, for preparing fixtures. */
  admin: { id: string; email: string };
}

const unique = () => randomBytes(4).toString('hex');

/**
 * A valid input for every organisation- and workspace-scoped procedure, built fresh for each call
 * so that one successful mutation never changes what the next call sees. A new procedure without
 * a sample here fails the matrix and audit tests. `getApp` is read at call time, after setup.
 */
export function procedureSamples(getApp: () => TestApp): Record<string, (t: SampleTarget) => Promise<Record<string, unknown>>> {
  const freshInvitation = async (t: SampleTarget) =>
    (await inviteUser(getApp(), actorFor(t.admin), t.organisationId, { email: `pending-${unique()}@example.org`, orgRole: 'member', workspaces: [] })).id;
  /** A workspace-scoped contact field of the target workspace, written directly. */
  const freshField = async (t: SampleTarget, type: 'number' | 'select' = 'number') =>
    (
      await getApp()
        .db.insertInto('field_definitions')
        .values({
          organisation_id: t.organisationId,
          entity: 'contact',
          scope: 'workspace',
          workspace_id: t.workspaceId,
          key: `s_${unique()}`,
          label: 'Sample',
          type,
          options: JSON.stringify(type === 'select' ? [{ id: 'opt_a', label: 'A', archived: false }] : []),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  /** A person linked to the target workspace (or to none), created there by the caller. */
  const freshContact = async (t: SampleTarget, linked = true) => {
    const db = getApp().db;
    const contact = await db
      .insertInto('contacts')
      .values({ organisation_id: t.organisationId, first_name: 'Sample', email: `person-${unique()}@example.org`, created_by: t.caller.id })
      .returning(['id', 'email'])
      .executeTakeFirstOrThrow();
    if (linked) await db.insertInto('contact_workspaces').values({ workspace_id: t.workspaceId, contact_id: contact.id, organisation_id: t.organisationId, created_by: t.caller.id }).execute();
    return { id: contact.id, email: contact.email! };
  };
  const freshCompany = async (t: SampleTarget) =>
    (await getApp().db.insertInto('companies').values({ organisation_id: t.organisationId, workspace_id: t.workspaceId, name: 'Sample Ltd', created_by: t.caller.id }).returning('id').executeTakeFirstOrThrow()).id;
  const freshDeal = async (t: SampleTarget) =>
    (await getApp().db.insertInto('deals').values({ organisation_id: t.organisationId, workspace_id: t.workspaceId, name: 'Sample deal', created_by: t.caller.id }).returning('id').executeTakeFirstOrThrow()).id;
  /** A CSV uploaded to the target workspace by the caller, not started yet. */
  const freshImport = async (t: SampleTarget) =>
    (await storeImportFile(getApp().db, { organisationId: t.organisationId, workspaceId: t.workspaceId, userId: t.caller.id, apiKeyId: null }, 'sample.csv', [Buffer.from(`Email,First name\nimport-${unique()}@example.org,Sam\n`)])).id;
  const importMapping = [{ builtIn: 'email' }, { builtIn: 'firstName' }];
  /** A webhook of the target workspace to a port nothing listens on (a test event fails fast). */
  const freshWebhook = async (t: SampleTarget) =>
    (await createSubscription(getApp(), actorFor(t.admin), { organisationId: t.organisationId, workspaceId: t.workspaceId }, { url: 'http://127.0.0.1:9/hook', events: ['contact.created'] })).subscription.id;
  /** A delivery of that webhook that failed every attempt, written directly. */
  const freshFailedDelivery = async (t: SampleTarget, subscriptionId: string) => {
    const db = getApp().db;
    const event = await db.insertInto('webhook_events').values({ organisation_id: t.organisationId, workspace_id: t.workspaceId, type: 'contact.created', data: '{}' }).returning('id').executeTakeFirstOrThrow();
    return (
      await db
        .insertInto('webhook_deliveries')
        .values({ organisation_id: t.organisationId, workspace_id: t.workspaceId, subscription_id: subscriptionId, event_id: event.id, state: 'failed', attempts: 11, queued_at: new Date() })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  };
  /** A HubSpot connection of the target workspace without a refresh token (renewing it needs no network: it asks for reconnection). */
  const freshAppConnection = async (t: SampleTarget) => {
    await getApp().db.transaction().execute((trx) =>
      insertConnection(trx, getApp().keyring, {
        organisationId: t.organisationId,
        workspaceId: t.workspaceId,
        provider: 'hubspot',
        purpose: 'app',
        account: 'sample@example.org',
        scopes: ['oauth'],
        tokens: { accessToken: `sample-access-${unique()}`, refreshToken: null, expiresAt: null, scopes: null },
        connectedBy: t.admin.id,
      }),
    );
    return 'hubspot';
  };
  /** An email category of the target workspace, written directly (archived when asked). */
  const freshCategory = async (t: SampleTarget, archived = false) =>
    (
      await getApp()
        .db.insertInto('email_categories')
        .values({ organisation_id: t.organisationId, workspace_id: t.workspaceId, name: `Sample ${unique()}`, archived_at: archived ? new Date() : null })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  /** A campaign of the target workspace in the given state, written directly. */
  const freshCampaign = async (t: SampleTarget, state: 'draft' | 'scheduled' | 'sending' | 'paused' = 'draft') =>
    (
      await getApp()
        .db.insertInto('campaigns')
        .values({
          organisation_id: t.organisationId,
          workspace_id: t.workspaceId,
          name: `Campaign ${unique()}`,
          subject: 'Hello {{firstName}}',
          html_body: '<p>Hello {{firstName}}</p>',
          text_body: 'Hello {{firstName}}',
          category_id: await freshCategory(t),
          state,
          scheduled_at: state === 'scheduled' ? new Date(Date.now() + 86_400_000) : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const freshMember = (t: SampleTarget) => addMember(getApp().db, t.organisationId, `target-${unique()}@example.org`, 'member');
  /** A member of the organisation with a role in the target workspace. */
  const freshTeamMember = async (t: SampleTarget) =>
    (await addMember(getApp().db, t.organisationId, `team-${unique()}@example.org`, 'member', [{ workspaceId: t.workspaceId, role: 'member' }])).id;
  /** An extra open stage of the target workspace's pipeline, written directly. */
  const freshStage = async (t: SampleTarget) =>
    (
      await getApp()
        .db.insertInto('pipeline_stages')
        .values({ organisation_id: t.organisationId, workspace_id: t.workspaceId, name: `Stage ${unique()}`, probability: 40, kind: 'open', position: 100 + Math.floor(Math.random() * 1e6) })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  /**
   * A new organisation where the caller has the role they hold in the target one (none for an
   * outsider): for samples that delete an organisation or change its subscription.
   */
  const freshOrganisation = async (t: SampleTarget, options: { subscription?: 'live' | 'cancelling'; scheduledForDeletion?: boolean } = {}) => {
    const app = getApp();
    const name = `Sample org ${unique()}`;
    const org = await app.db
      .insertInto('organisations')
      .values({ name, ...(options.scheduledForDeletion && { deletion_requested_at: new Date(), purge_after: new Date(Date.now() + 7 * 86_400_000) }) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await app.db.insertInto('workspaces').values({ organisation_id: org.id, kind: 'global', name: 'Global', slug: 'global' }).execute();
    const role = await app.db.selectFrom('memberships').select('org_role').where('organisation_id', '=', t.organisationId).where('user_id', '=', t.caller.id).executeTakeFirst();
    if (role) await app.db.insertInto('memberships').values({ organisation_id: org.id, user_id: t.caller.id, org_role: role.org_role }).execute();
    // Without a billing provider (not every test has the stand-in) the call answers that there is none.
    if (options.subscription && app.config.billing) await subscribeOrganisation(app, org.id, { cancelAtPeriodEnd: options.subscription === 'cancelling' });
    return { organisationId: org.id, name };
  };
  const stageIds = async (t: SampleTarget) =>
    (await getApp().db.selectFrom('pipeline_stages').select('id').where('workspace_id', '=', t.workspaceId).orderBy('position').execute()).map((s) => s.id);
  return {
    ...channelSamples(getApp),
    'users.list': async (t) => ({ organisationId: t.organisationId }),
    'users.changeOrgRole': async (t) => ({ organisationId: t.organisationId, userId: (await freshMember(t)).id, orgRole: 'billing_admin' }),
    'users.setWorkspaceRoles': async (t) => ({ organisationId: t.organisationId, userId: (await freshMember(t)).id, workspaces: [{ workspaceId: t.workspaceId, role: 'viewer' }] }),
    'users.leave': async (t) => ({ organisationId: t.organisationId }),
    'users.remove': async (t) => ({ organisationId: t.organisationId, userId: (await freshMember(t)).id }),
    'invitations.create': async (t) => ({ organisationId: t.organisationId, email: `invitee-${unique()}@example.org`, orgRole: 'member' }),
    'invitations.resend': async (t) => ({ organisationId: t.organisationId, invitationId: await freshInvitation(t) }),
    'invitations.revoke': async (t) => ({ organisationId: t.organisationId, invitationId: await freshInvitation(t) }),
    'workspaces.list': async (t) => ({ organisationId: t.organisationId }),
    'workspaces.bySlug': async (t) => {
      const { slug } = await getApp().db.selectFrom('workspaces').select('slug').where('id', '=', t.workspaceId).executeTakeFirstOrThrow();
      return { organisationId: t.organisationId, slug };
    },
    'workspaces.create': async (t) => ({ organisationId: t.organisationId, name: 'New', slug: `new-${unique()}` }),
    'workspaces.get': async (t) => ({ workspaceId: t.workspaceId }),
    'workspaces.update': async (t) => ({ workspaceId: t.workspaceId, timezone: 'Europe/Paris' }),
    'workspaces.setLogo': async (t) => ({
      workspaceId: t.workspaceId,
      contentType: 'image/svg+xml',
      data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64'),
    }),
    'workspaces.removeLogo': async (t) => ({ workspaceId: t.workspaceId }),
    'workspaces.deletePreview': async (t) => ({ workspaceId: t.workspaceId }),
    'workspaces.delete': async (t) => {
      const { slug } = await getApp().db.selectFrom('workspaces').select('slug').where('id', '=', t.workspaceId).executeTakeFirstOrThrow();
      return { workspaceId: t.workspaceId, confirmSlug: slug };
    },
    'devOutbox.list': async (t) => ({ organisationId: t.organisationId }),
    'audit.list': async (t) => ({ organisationId: t.organisationId, pageSize: 5 }),
    'integrations.get': async (t) => ({ organisationId: t.organisationId }),
    'integrations.saveMailerSend': async (t) => ({ organisationId: t.organisationId, apiKey: `mlsn.sample-${unique()}`, fromEmail: 'news@example.org' }),
    'integrations.revertMailerSend': async (t) => ({ organisationId: t.organisationId, setting: 'both' }),
    'integrations.sendTestEmail': async (t) => ({ organisationId: t.organisationId }),
    'apiKeys.list': async (t) => ({ organisationId: t.organisationId }),
    'apiKeys.create': async (t) => ({ organisationId: t.organisationId, name: `key-${unique()}`, scope: 'read' }),
    'apiKeys.revoke': async (t) => {
      const { prefix, hash } = generateApiKey();
      const key = await getApp()
        .db
        .insertInto('api_keys')
        .values({ organisation_id: t.organisationId, user_id: t.caller.id, name: 'sample', prefix, key_hash: hash })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { organisationId: t.organisationId, apiKeyId: key.id };
    },
    'workspaceApiKeys.list': async (t) => ({ workspaceId: t.workspaceId }),
    'workspaceApiKeys.revoke': async (t) => {
      const { prefix, hash } = generateApiKey();
      const key = await getApp()
        .db.insertInto('api_keys')
        .values({ organisation_id: t.organisationId, user_id: t.admin.id, name: 'bound sample', prefix, key_hash: hash, workspace_id: t.workspaceId })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { workspaceId: t.workspaceId, apiKeyId: key.id };
    },
    // A base URL where nothing listens: a sample never reaches a real provider.
    'ai.get': async (t) => ({ organisationId: t.organisationId }),
    'ai.save': async (t) => ({ organisationId: t.organisationId, provider: 'openai', model: 'gpt-4o-mini', baseUrl: 'http://127.0.0.1:9/v1', apiKey: `sk-sample-${unique()}` }),
    'ai.clear': async (t) => ({ organisationId: t.organisationId }),
    'ai.test': async (t) => ({ organisationId: t.organisationId }),
    'workspaceAi.get': async (t) => ({ workspaceId: t.workspaceId }),
    'workspaceAi.save': async (t) => ({ workspaceId: t.workspaceId, provider: 'openai_compatible', model: 'llama3', baseUrl: 'http://127.0.0.1:9/v1' }),
    'workspaceAi.clear': async (t) => ({ workspaceId: t.workspaceId }),
    'workspaceAi.test': async (t) => ({ workspaceId: t.workspaceId }),
    'fields.list': async (t) => ({ workspaceId: t.workspaceId, entity: 'contact' }),
    'fields.create': async (t) => ({ workspaceId: t.workspaceId, entity: 'contact', label: `Budget ${unique()}`, type: 'number' }),
    'fields.update': async (t) => ({ fieldId: await freshField(t, 'select'), label: 'Renamed', options: [{ id: 'opt_a', label: 'A', archived: true }, { label: 'B' }] }),
    'fields.reorder': async (t) => ({ workspaceId: t.workspaceId, entity: 'contact', fieldIds: [await freshField(t), await freshField(t)] }),
    'fields.changeType': async (t) => ({ fieldId: await freshField(t), type: 'text' }),
    'fields.deletePreview': async (t) => ({ fieldId: await freshField(t) }),
    'fields.delete': async (t) => ({ fieldId: await freshField(t) }),
    'contacts.list': async (t) => ({ workspaceId: t.workspaceId, limit: 5 }),
    'contacts.search': async (t) => ({ workspaceId: t.workspaceId, filters: [{ field: 'firstName', op: 'contains', value: 'Sam' }], limit: 5 }),
    'contacts.get': async (t) => ({ workspaceId: t.workspaceId, contactId: (await freshContact(t)).id }),
    'contacts.create': async (t) => ({ workspaceId: t.workspaceId, firstName: 'New', email: `new-${unique()}@example.org` }),
    'contacts.link': async (t) => ({ workspaceId: t.workspaceId, email: (await freshContact(t, false)).email }),
    'contacts.update': async (t) => ({ workspaceId: t.workspaceId, contactId: (await freshContact(t)).id, lastName: 'Changed' }),
    'contacts.unlink': async (t) => ({ workspaceId: t.workspaceId, contactId: (await freshContact(t)).id }),
    'contacts.delete': async (t) => ({ workspaceId: t.workspaceId, contactId: (await freshContact(t)).id }),
    'contacts.bulk': async (t) => ({ workspaceId: t.workspaceId, rows: [{ email: `bulk-${unique()}@example.org`, firstName: 'Bulk' }] }),
    'contacts.imports.list': async (t) => ({ workspaceId: t.workspaceId }),
    'contacts.imports.get': async (t) => ({ workspaceId: t.workspaceId, importId: await freshImport(t) }),
    'contacts.imports.inspect': async (t) => ({ workspaceId: t.workspaceId, importId: await freshImport(t) }),
    'contacts.imports.preview': async (t) => ({ workspaceId: t.workspaceId, importId: await freshImport(t), mapping: importMapping }),
    'contacts.imports.start': async (t) => ({ workspaceId: t.workspaceId, importId: await freshImport(t), mapping: importMapping }),
    'contacts.imports.cancel': async (t) => ({ workspaceId: t.workspaceId, importId: await freshImport(t) }),
    'companies.list': async (t) => ({ workspaceId: t.workspaceId }),
    'companies.search': async (t) => ({ workspaceId: t.workspaceId, filters: [{ field: 'name', op: 'contains', value: 'Ltd' }] }),
    'companies.get': async (t) => ({ workspaceId: t.workspaceId, companyId: await freshCompany(t) }),
    'companies.create': async (t) => ({ workspaceId: t.workspaceId, name: 'Acme Ltd', domain: 'acme.example' }),
    'companies.update': async (t) => ({ workspaceId: t.workspaceId, companyId: await freshCompany(t), name: 'Renamed Ltd' }),
    'companies.delete': async (t) => ({ workspaceId: t.workspaceId, companyId: await freshCompany(t) }),
    'deals.list': async (t) => ({ workspaceId: t.workspaceId }),
    'deals.search': async (t) => ({ workspaceId: t.workspaceId, filters: [{ field: 'amount', op: 'gt', value: 10 }] }),
    'deals.get': async (t) => ({ workspaceId: t.workspaceId, dealId: await freshDeal(t) }),
    'deals.create': async (t) => ({ workspaceId: t.workspaceId, name: 'Big deal', amount: 1200.5, currency: 'EUR' }),
    'deals.update': async (t) => ({ workspaceId: t.workspaceId, dealId: await freshDeal(t), amount: 99 }),
    'deals.delete': async (t) => ({ workspaceId: t.workspaceId, dealId: await freshDeal(t) }),
    'emailCategories.list': async (t) => ({ workspaceId: t.workspaceId }),
    'emailCategories.get': async (t) => ({ workspaceId: t.workspaceId, categoryId: await freshCategory(t) }),
    'emailCategories.create': async (t) => ({ workspaceId: t.workspaceId, name: `Newsletter ${unique()}`, description: 'Monthly news' }),
    'emailCategories.update': async (t) => ({ workspaceId: t.workspaceId, categoryId: await freshCategory(t), subscribedByDefault: true }),
    'emailCategories.reorder': async (t) => ({ workspaceId: t.workspaceId, categoryIds: [await freshCategory(t), await freshCategory(t)] }),
    'emailCategories.archive': async (t) => ({ workspaceId: t.workspaceId, categoryId: await freshCategory(t) }),
    'emailCategories.restore': async (t) => ({ workspaceId: t.workspaceId, categoryId: await freshCategory(t, true) }),
    'emailCategories.delete': async (t) => ({ workspaceId: t.workspaceId, categoryId: await freshCategory(t) }),
    'consent.get': async (t) => ({ workspaceId: t.workspaceId, contactId: (await freshContact(t)).id }),
    'dataRights.export': async (t) => ({ workspaceId: t.workspaceId, contactId: (await freshContact(t)).id }),
    'dataRights.erase': async (t) => ({ workspaceId: t.workspaceId, contactId: (await freshContact(t)).id, request: 'Request of 3 May, ticket 812' }),
    'consent.history': async (t) => ({ workspaceId: t.workspaceId, contactId: (await freshContact(t)).id }),
    'consent.set': async (t) => ({
      workspaceId: t.workspaceId,
      contactId: (await freshContact(t)).id,
      workspace: 'subscribed',
      categories: [{ categoryId: await freshCategory(t), status: 'unsubscribed' }],
    }),
    'consent.bulkSet': async (t) => {
      await freshContact(t);
      return { workspaceId: t.workspaceId, filters: [{ field: 'firstName', op: 'eq', value: 'Sample' }], change: { level: 'category', categoryId: await freshCategory(t), status: 'subscribed' } };
    },
    'organisations.get': async (t) => ({ organisationId: t.organisationId }),
    'organisations.update': async (t) => ({ organisationId: (await freshOrganisation(t)).organisationId, name: `Renamed ${unique()}` }),
    'organisations.updateBillingDetails': async (t) => ({ organisationId: t.organisationId, billingEmail: 'billing@example.org', billingAddress: '1 Sample Street, Lyon', taxId: 'FR 12 345678901' }),
    'organisations.delete': async (t) => {
      const { organisationId, name } = await freshOrganisation(t);
      return { organisationId, confirmName: name };
    },
    'organisations.restore': async (t) => ({ organisationId: (await freshOrganisation(t, { scheduledForDeletion: true })).organisationId }),
    'billing.overview': async (t) => ({ organisationId: t.organisationId }),
    'billing.invoices': async (t) => ({ organisationId: t.organisationId }),
    'billing.checkout': async (t) => ({ organisationId: (await freshOrganisation(t)).organisationId, planId: 'professional' }),
    'billing.portal': async (t) => ({ organisationId: (await freshOrganisation(t)).organisationId }),
    'billing.changePlan': async (t) => ({ organisationId: (await freshOrganisation(t, { subscription: 'live' })).organisationId, planId: 'professional' }),
    'billing.cancel': async (t) => ({ organisationId: (await freshOrganisation(t, { subscription: 'live' })).organisationId }),
    'billing.resume': async (t) => ({ organisationId: (await freshOrganisation(t, { subscription: 'cancelling' })).organisationId }),
    'team.list': async (t) => ({ workspaceId: t.workspaceId }),
    'team.invite': async (t) => ({ workspaceId: t.workspaceId, email: `team-invitee-${unique()}@example.org`, role: 'member' }),
    'team.setRole': async (t) => ({ workspaceId: t.workspaceId, userId: await freshTeamMember(t), role: 'viewer' }),
    'team.remove': async (t) => ({ workspaceId: t.workspaceId, userId: await freshTeamMember(t) }),
    'team.revokeInvitation': async (t) => ({
      workspaceId: t.workspaceId,
      invitationId: (await inviteUser(getApp(), actorFor(t.admin), t.organisationId, { email: `team-pending-${unique()}@example.org`, orgRole: 'member', workspaces: [{ workspaceId: t.workspaceId, role: 'member' }] })).id,
    }),
    'pipeline.list': async (t) => ({ workspaceId: t.workspaceId }),
    'pipeline.forecast': async (t) => ({ workspaceId: t.workspaceId }),
    'pipeline.create': async (t) => ({ workspaceId: t.workspaceId, name: `Demo ${unique()}`, probability: 30 }),
    'pipeline.update': async (t) => ({ workspaceId: t.workspaceId, stageId: await freshStage(t), probability: 60 }),
    'pipeline.reorder': async (t) => ({ workspaceId: t.workspaceId, stageIds: (await stageIds(t)).reverse() }),
    'pipeline.delete': async (t) => ({ workspaceId: t.workspaceId, stageId: await freshStage(t) }),
    'webhooks.events': async (t) => ({ workspaceId: t.workspaceId }),
    'webhooks.list': async (t) => ({ workspaceId: t.workspaceId }),
    'webhooks.create': async (t) => ({ workspaceId: t.workspaceId, url: 'https://hooks.example.com/steward', events: ['contact.created'] }),
    'webhooks.update': async (t) => ({ workspaceId: t.workspaceId, subscriptionId: await freshWebhook(t), events: ['contact.updated'] }),
    'webhooks.rotateSecret': async (t) => ({ workspaceId: t.workspaceId, subscriptionId: await freshWebhook(t) }),
    'webhooks.delete': async (t) => ({ workspaceId: t.workspaceId, subscriptionId: await freshWebhook(t) }),
    'webhooks.sendTestEvent': async (t) => ({ workspaceId: t.workspaceId, subscriptionId: await freshWebhook(t) }),
    'webhooks.deliveries': async (t) => ({ workspaceId: t.workspaceId, subscriptionId: await freshWebhook(t) }),
    'webhooks.redeliver': async (t) => {
      const subscriptionId = await freshWebhook(t);
      return { workspaceId: t.workspaceId, subscriptionId, deliveryId: await freshFailedDelivery(t, subscriptionId) };
    },
    'connectedApps.list': async (t) => ({ workspaceId: t.workspaceId }),
    'connectedApps.connect': async (t) => {
      // Connecting needs the app's OAuth client on the server; these test apps start without one.
      getApp().config.oauthProviders.hubspot ??= { ...OAUTH_PROVIDER_DEFINITIONS.hubspot, id: 'hubspot', clientId: 'sample-client', clientSecret: 'sample-secret' };
      return { workspaceId: t.workspaceId, app: 'hubspot', returnTo: '/' };
    },
    'connectedApps.refresh': async (t) => ({ workspaceId: t.workspaceId, app: await freshAppConnection(t) }),
    'connectedApps.disconnect': async (t) => ({ workspaceId: t.workspaceId, app: await freshAppConnection(t) }),
    'campaigns.mergeFields': async (t) => ({ workspaceId: t.workspaceId }),
    'campaigns.list': async (t) => ({ workspaceId: t.workspaceId }),
    'campaigns.get': async (t) => ({ workspaceId: t.workspaceId, campaignId: await freshCampaign(t) }),
    'campaigns.audience': async (t) => ({ workspaceId: t.workspaceId, categoryId: await freshCategory(t), filters: [{ field: 'firstName', op: 'eq', value: 'Sample' }] }),
    'campaigns.create': async (t) => ({ workspaceId: t.workspaceId, name: 'News', subject: 'Hi {{firstName}}', textBody: 'Hello', categoryId: await freshCategory(t) }),
    'campaigns.update': async (t) => ({ workspaceId: t.workspaceId, campaignId: await freshCampaign(t), subject: 'Hello again {{firstName}}' }),
    'campaigns.delete': async (t) => ({ workspaceId: t.workspaceId, campaignId: await freshCampaign(t) }),
    'campaigns.send': async (t) => ({ workspaceId: t.workspaceId, campaignId: await freshCampaign(t) }),
    'campaigns.pause': async (t) => ({ workspaceId: t.workspaceId, campaignId: await freshCampaign(t, 'sending') }),
    'campaigns.resume': async (t) => ({ workspaceId: t.workspaceId, campaignId: await freshCampaign(t, 'paused') }),
    'campaigns.cancel': async (t) => ({ workspaceId: t.workspaceId, campaignId: await freshCampaign(t, 'scheduled') }),
    'campaigns.progress': async (t) => ({ workspaceId: t.workspaceId, campaignId: await freshCampaign(t) }),
    'campaigns.recipients': async (t) => ({ workspaceId: t.workspaceId, campaignId: await freshCampaign(t), state: 'failed' }),
    'campaigns.retryFailed': async (t) => {
      const campaignId = await freshCampaign(t, 'paused');
      const contact = await freshContact(t);
      await getApp().db.insertInto('campaign_recipients').values({ campaign_id: campaignId, contact_id: contact.id, email: contact.email, state: 'failed', error: 'Sample' }).execute();
      return { workspaceId: t.workspaceId, campaignId };
    },
    'notifications.list': async (t) => ({ organisationId: t.organisationId }),
    'notifications.unreadCount': async (t) => ({ organisationId: t.organisationId }),
    'notifications.markRead': async (t) => {
      const notification = await getApp()
        .db.insertInto('notifications')
        .values({ organisation_id: t.organisationId, user_id: t.caller.id, event: 'invitation.accepted', payload: JSON.stringify({ invitationId: 'sample', name: 'Sample', email: 'sample@example.org' }), state: 'delivered', channel: 'in_app', in_app: true })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { organisationId: t.organisationId, notificationIds: [notification.id] };
    },
    'notifications.markAllRead': async (t) => ({ organisationId: t.organisationId }),
    'notifications.organisationPreferences': async (t) => ({ organisationId: t.organisationId }),
    'notifications.setOrganisationPreference': async (t) => ({ organisationId: t.organisationId, event: 'api_key.expiring', channel: 'email' }),
    'notifications.workspacePreferences': async (t) => ({ workspaceId: t.workspaceId }),
    'notifications.setWorkspacePreference': async (t) => ({ workspaceId: t.workspaceId, event: 'deal.stage_changed', channel: 'both' }),
  };
}
