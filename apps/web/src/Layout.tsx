import { useState } from 'react';
import { ApiKeysPage } from './areas/api-keys/ApiKeysPage';
import { AuditLogPage } from './areas/audit/AuditLogPage';
import { CampaignsPage } from './areas/campaigns/CampaignsPage';
import { EmailCategoriesPage } from './areas/consent/EmailCategoriesPage';
import { FieldsPage } from './areas/fields/FieldsPage';
import { IntegrationsPage } from './areas/integrations/IntegrationsPage';
import { OverviewPage } from './areas/overview/OverviewPage';
import { PipelinePage } from './areas/pipeline/PipelinePage';
import { ChannelsPage } from './areas/channels/ChannelsPage';
import { InboxesPage } from './areas/inboxes/InboxesPage';
import { NotificationBell } from './areas/notifications/NotificationBell';
import { NotificationPreferencesPage } from './areas/notifications/NotificationPreferencesPage';
import { NotificationsPage } from './areas/notifications/NotificationsPage';
import { WebhooksPage } from './areas/webhooks/WebhooksPage';
import { ConnectedAppsPage } from './areas/connected-apps/ConnectedAppsPage';
import { CompaniesPage } from './areas/records/CompaniesPage';
import { ContactsPage } from './areas/records/ContactsPage';
import { ImportCsvButton } from './areas/records/import/ImportDialog';
import { DealsPage } from './areas/records/DealsPage';
import { WORKSPACE_ROLE_LABELS } from './areas/users/roleLabels';
import { UsersPage } from './areas/users/UsersPage';
import { TeamPage } from './areas/team/TeamPage';
import { WorkspaceSettingsPage } from './areas/workspaces/WorkspaceSettingsPage';
import { WorkspacesPage } from './areas/workspaces/WorkspacesPage';
import { BillingPage } from './areas/billing/BillingPage';
import { CreateOrganisationPage } from './areas/organisations/CreateOrganisationPage';
import { OrganisationPage } from './areas/organisations/OrganisationPage';
import { RestoreOrganisationPage } from './areas/organisations/RestoreOrganisationPage';
import { can, type OrgPermission } from './permissions';
import { Link, navigate, usePath } from './routes';
import { signOut } from './session';
import type { RouterOutputs } from './trpc';
import { Avatar } from './ui/Avatar';

type Me = RouterOutputs['me'];
export type Organisation = Me['organisations'][number];
/** Limits the server enforces (e.g. logo size), for pages to check before sending. */
export type Limits = Me['limits'];

interface Area {
  /** The first path segment after /orgs/:id ('' for the overview). */
  path: string;
  label: string;
  /** Shown in the sidebar and reachable only with this organisation permission. */
  permission?: OrgPermission;
  render: (org: Organisation, limits: Limits) => React.ReactNode;
  /**
   * The page at `<area>/<subPath>` (e.g. a workspace's settings by slug). It has no organisation
   * permission of its own: the page asks the server, which decides per object.
   */
  detail?: (org: Organisation, subPath: string, limits: Limits) => React.ReactNode;
}

/** The settings areas the console has, in sidebar order. */
const AREAS: Area[] = [
  { path: '', label: 'Overview', render: (org) => <OverviewPage organisation={org} /> },
  // Records of a workspace (the workspace's slug follows in the path); each page offers the workspaces one has a role in.
  { path: 'contacts', label: 'Contacts', render: (org) => <ContactsPage key={org.id} organisation={org} toolbarExtra={(workspace) => <ImportCsvButton workspace={workspace} />} /> },
  { path: 'companies', label: 'Companies', render: (org) => <CompaniesPage key={org.id} organisation={org} /> },
  { path: 'deals', label: 'Deals', render: (org) => <DealsPage key={org.id} organisation={org} /> },
  { path: 'organisation', label: 'Organisation', permission: 'organisation.view', render: (org, limits) => <OrganisationPage key={org.id} organisation={org} limits={limits} /> },
  { path: 'billing', label: 'Billing', permission: 'billing.view', render: (org) => <BillingPage key={org.id} organisation={org} /> },
  { path: 'users', label: 'Users', permission: 'organisation.view', render: (org, limits) => <UsersPage key={org.id} organisation={org} limits={limits} /> },
  {
    path: 'workspaces',
    label: 'Workspaces',
    permission: 'organisation.view',
    render: (org) => <WorkspacesPage key={org.id} organisation={org} />,
    // Workspace admins reach their workspace's settings without the organisation-wide view.
    detail: (org, slug, limits) => <WorkspaceSettingsPage key={org.id} organisation={org} slug={slug} limits={limits} />,
  },
  { path: 'fields', label: 'Fields', render: (org) => <FieldsPage key={org.id} organisation={org} /> },
  { path: 'email-categories', label: 'Email categories', render: (org) => <EmailCategoriesPage key={org.id} organisation={org} /> },
  { path: 'campaigns', label: 'Campaigns', render: (org) => <CampaignsPage key={org.id} organisation={org} /> },
  // A workspace's own team, for its admins (the page says so to others); the pipeline, read by all.
  { path: 'team', label: 'Team', render: (org) => <TeamPage key={org.id} organisation={org} /> },
  { path: 'pipeline', label: 'Pipeline', render: (org) => <PipelinePage key={org.id} organisation={org} /> },
  // A workspace's inboxes and their conversations (worked by its members); its channels, for its admins.
  { path: 'inboxes', label: 'Inboxes', render: (org) => <InboxesPage key={org.id} organisation={org} /> },
  { path: 'channels', label: 'Channels', render: (org) => <ChannelsPage key={org.id} organisation={org} /> },
  {
    path: 'notifications',
    label: 'Notifications',
    permission: 'notifications.own',
    render: (org) => <NotificationsPage key={org.id} organisation={org} />,
    detail: (org, sub) => (sub === 'preferences' ? <NotificationPreferencesPage key={org.id} organisation={org} /> : <p>This page does not exist.</p>),
  },
  // A workspace's outgoing webhooks, for its admins (the page says so to others).
  { path: 'webhooks', label: 'Webhooks', render: (org) => <WebhooksPage key={org.id} organisation={org} /> },
  { path: 'connected-apps', label: 'Connected apps', render: (org) => <ConnectedAppsPage key={org.id} organisation={org} /> },
  { path: 'api-keys', label: 'API keys', permission: 'apiKeys.manageOwn', render: (org) => <ApiKeysPage key={org.id} organisation={org} /> },
  { path: 'integrations', label: 'Integrations', permission: 'integrations.manage', render: (org) => <IntegrationsPage key={org.id} organisation={org} /> },
  { path: 'audit', label: 'Audit log', permission: 'audit.view', render: (org) => <AuditLogPage key={org.id} organisation={org} /> },
];

/** Where anyone signed in creates an organisation (also offered in the switcher). */
const NEW_ORGANISATION_PATH = '/orgs/new';

function parsePath(path: string): { organisationId: string | null; areaPath: string; subPath: string } {
  const match = /^\/orgs\/([0-9a-f-]{36})(?:\/([^/]*)(?:\/(.*))?)?$/.exec(path);
  return { organisationId: match?.[1] ?? null, areaPath: match?.[2] ?? '', subPath: decodeURIComponent((match?.[3] ?? '').replace(/\/$/, '')) };
}

export function Layout({ me }: { me: Me }) {
  const path = usePath();
  const [error, setError] = useState<string | null>(null);
  const { organisationId, areaPath, subPath } = parsePath(path);
  const organisation = me.organisations.find((o) => o.id === organisationId) ?? me.organisations[0] ?? null;
  const area = AREAS.find((a) => a.path === areaPath);
  // An organisation scheduled for deletion shows its admins only the page that restores it.
  const visibleAreas = organisation && !organisation.deletionScheduledUntil ? AREAS.filter((a) => !a.permission || can(organisation, a.permission)) : [];

  const showsDetail = Boolean(area?.detail && subPath);

  function renderArea(org: Organisation) {
    if (path === NEW_ORGANISATION_PATH) return <CreateOrganisationPage first={false} />;
    if (org.deletionScheduledUntil) return <RestoreOrganisationPage organisation={org} />;
    if (!area) return <p>This page does not exist.</p>;
    if (area.detail && subPath) return area.detail(org, subPath, me.limits);
    if (area.permission && !can(org, area.permission)) return <p>Your role in {org.name} does not give access to this page.</p>;
    return area.render(org, me.limits);
  }

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Steward</span>
        {me.organisations.length > 0 && organisation && (
          <label className="org-switcher">
            <span className="visually-hidden">Organisation</span>
            <select
              value={path === NEW_ORGANISATION_PATH ? 'new' : organisation.id}
              onChange={(e) => navigate(e.target.value === 'new' ? NEW_ORGANISATION_PATH : `/orgs/${e.target.value}`)}
              aria-label="Organisation"
            >
              {me.organisations.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
              <option value="new">New organisation…</option>
            </select>
          </label>
        )}
        <span className="spacer" />
        {organisation && <NotificationBell key={organisation.id} organisation={organisation} />}
        <span className="who" data-testid="signed-in-user">
          <Avatar name={me.user.name} url={me.user.avatarUrl} />
          <span>
            <strong>{me.user.name}</strong>
            <small>{me.user.email}</small>
          </span>
        </span>
        <button className="button" onClick={() => void signOut().then((failure) => failure && setError(failure.error))}>
          Sign out
        </button>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {organisation ? (
        <div className="body">
          <div className="sidebar">
            <nav aria-label="Settings">
              {visibleAreas.map((a) => {
                const to = `/orgs/${organisation.id}${a.path ? `/${a.path}` : ''}`;
                return (
                  <Link key={a.path} to={to} aria-current={a === area && !showsDetail ? 'page' : undefined}>
                    {a.label}
                  </Link>
                );
              })}
            </nav>
            {organisation.workspaces.length > 0 && (
              <nav className="workspace-links" aria-labelledby="your-workspaces-heading">
                <h2 id="your-workspaces-heading" className="sidebar-heading">
                  Your workspaces
                </h2>
                {organisation.workspaces.map((w) => (
                  <Link
                    key={w.id}
                    to={`/orgs/${organisation.id}/workspaces/${encodeURIComponent(w.slug)}`}
                    aria-current={showsDetail && areaPath === 'workspaces' && subPath === w.slug ? 'page' : undefined}
                  >
                    {w.name} <small className="muted">{WORKSPACE_ROLE_LABELS[w.role]}</small>
                  </Link>
                ))}
              </nav>
            )}
          </div>
          <main className="content">
            {organisation.paymentPastDue && (
              <p className="banner" role="alert">
                The subscription’s last payment failed: nothing can be added to {organisation.name} until the payment method is updated under Billing. Everything can still be read.
              </p>
            )}
            {renderArea(organisation)}
          </main>
        </div>
      ) : (
        <main className="content">
          <CreateOrganisationPage first />
        </main>
      )}
    </div>
  );
}
