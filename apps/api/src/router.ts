import { meQuery } from './areas/me/router.js';
import { invitationsRouter, usersRouter } from './areas/users/router.js';
import { workspacesRouter } from './areas/workspaces/router.js';
import { devOutboxRouter } from './areas/dev-outbox/router.js';
import { auditRouter } from './areas/audit/router.js';
import { apiKeysRouter, workspaceApiKeysRouter } from './areas/api-keys/router.js';
import { integrationsRouter } from './areas/integrations/router.js';
import { fieldsRouter } from './areas/fields/router.js';
import { companiesRouter, contactsRouter, dealsRouter } from './areas/records/router.js';
import { consentRouter, emailCategoriesRouter } from './areas/consent/router.js';
import { campaignsRouter } from './areas/campaigns/router.js';
import { pipelineRouter } from './areas/pipeline/router.js';
import { channelsRouter } from './areas/channels/router.js';
import { inboxesRouter } from './areas/inboxes/router.js';
import { conversationsRouter } from './areas/conversations/router.js';
import { teamRouter } from './areas/team/router.js';
import { webhooksRouter } from './areas/webhooks/router.js';
import { connectedAppsRouter } from './areas/connected-apps/router.js';
import { aiRouter, workspaceAiRouter } from './areas/ai/router.js';
import { notificationsRouter } from './areas/notifications/router.js';
import { dataRightsRouter } from './areas/data-rights/router.js';
import { organisationsRouter } from './areas/organisations/router.js';
import { billingRouter } from './areas/billing/router.js';
import { router } from './trpc.js';

export const appRouter = router({
  organisations: organisationsRouter,
  billing: billingRouter,
  me: meQuery,
  users: usersRouter,
  invitations: invitationsRouter,
  workspaces: workspacesRouter,
  devOutbox: devOutboxRouter,
  audit: auditRouter,
  apiKeys: apiKeysRouter,
  workspaceApiKeys: workspaceApiKeysRouter,
  integrations: integrationsRouter,
  ai: aiRouter,
  workspaceAi: workspaceAiRouter,
  fields: fieldsRouter,
  contacts: contactsRouter,
  companies: companiesRouter,
  deals: dealsRouter,
  emailCategories: emailCategoriesRouter,
  consent: consentRouter,
  dataRights: dataRightsRouter,
  campaigns: campaignsRouter,
  team: teamRouter,
  pipeline: pipelineRouter,
  channels: channelsRouter,
  inboxes: inboxesRouter,
  conversations: conversationsRouter,
  webhooks: webhooksRouter,
  connectedApps: connectedAppsRouter,
  notifications: notificationsRouter,
});

export type AppRouter = typeof appRouter;
