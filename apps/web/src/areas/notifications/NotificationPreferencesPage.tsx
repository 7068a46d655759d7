import { CHANNEL_LABELS, NOTIFICATION_CHANNELS, NOTIFICATION_EVENTS, type NotificationChannel, type NotificationEvent } from '@steward/api/notification-events';
import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { Link } from '../../routes';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/ErrorMessage';
import type { NotificationPreference } from './notificationLabels';
import './notifications.css';

/** The organisation-wide events' place in the picker (they have no workspace). */
const ORGANISATION = '';

/**
 * /orgs/:id/notifications/preferences — for each event, in-app, email, both or off: per workspace
 * for what happens in a workspace, once for the organisation for the rest. Labels come from the
 * catalogue the server sends by.
 */
export function NotificationPreferencesPage({ organisation }: { organisation: Organisation }) {
  const [place, setPlace] = useState(organisation.workspaces[0]?.id ?? ORGANISATION);
  const workspace = organisation.workspaces.find((w) => w.id === place) ?? null;

  return (
    <>
      <div className="page-header">
        <h1>Notification preferences</h1>
        <div className="toolbar">
          <label className="workspace-picker">
            <span>For</span>
            <select aria-label="Preferences for" value={place} onChange={(e) => setPlace(e.target.value)}>
              {organisation.workspaces.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
              <option value={ORGANISATION}>{organisation.name} (organisation-wide)</option>
            </select>
          </label>
          <Link className="button" to={`/orgs/${organisation.id}/notifications`}>
            Back to notifications
          </Link>
        </div>
      </div>
      <p className="hint">
        {workspace
          ? `How you hear of what happens in ${workspace.name}. Each workspace keeps its own choices.`
          : `How you hear of what concerns ${organisation.name} as a whole.`}{' '}
        Email goes to your sign-in address.
      </p>
      <PreferencesTable key={place} organisationId={organisation.id} workspaceId={workspace?.id ?? null} />
    </>
  );
}

/** One row per event of the place (a workspace, or the organisation when `workspaceId` is null); a change saves at once. */
function PreferencesTable({ organisationId, workspaceId }: { organisationId: string; workspaceId: string | null }) {
  const utils = trpc.useUtils();
  const refresh = () => utils.notifications.invalidate();
  const ofWorkspace = trpc.notifications.workspacePreferences.useQuery({ workspaceId: workspaceId ?? '' }, { enabled: workspaceId !== null });
  const ofOrganisation = trpc.notifications.organisationPreferences.useQuery({ organisationId }, { enabled: workspaceId === null });
  const saveForWorkspace = trpc.notifications.setWorkspacePreference.useMutation({ onSettled: refresh });
  const saveForOrganisation = trpc.notifications.setOrganisationPreference.useMutation({ onSettled: refresh });
  const query = workspaceId === null ? ofOrganisation : ofWorkspace;
  const save = workspaceId === null ? saveForOrganisation : saveForWorkspace;
  const table = {
    preferences: query.data?.preferences as NotificationPreference[] | undefined,
    error: query.error ?? save.error,
    saved: save.data ? NOTIFICATION_EVENTS[save.data.event as NotificationEvent]?.label : undefined,
    pending: save.isPending,
    onChange: (event: NotificationEvent, channel: NotificationChannel) =>
      workspaceId === null ? saveForOrganisation.mutate({ organisationId, event, channel }) : saveForWorkspace.mutate({ workspaceId, event, channel }),
  };
  return (
    <>
      {table.saved && (
        <p className="success" role="status">
          Saved: {table.saved}.
        </p>
      )}
      <ErrorMessage error={table.error} />
      {!table.preferences && !table.error && <p className="loading">Loading…</p>}
      {table.preferences && (
        <table className="table preferences-table" aria-label="Notification preferences">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">How you hear of it</th>
            </tr>
          </thead>
          <tbody>
            {table.preferences.map((p) => {
              const definition = NOTIFICATION_EVENTS[p.event as NotificationEvent];
              if (!definition) return null;
              return (
                <tr key={p.event}>
                  <th scope="row">
                    {definition.label}
                    <small className="hint">{definition.description}</small>
                  </th>
                  <td>
                    <select aria-label={definition.label} value={p.channel} disabled={table.pending} onChange={(e) => table.onChange(p.event as NotificationEvent, e.target.value as NotificationChannel)}>
                      {NOTIFICATION_CHANNELS.map((channel) => (
                        <option key={channel} value={channel}>
                          {CHANNEL_LABELS[channel]}
                          {channel === definition.defaultChannel ? ' (default)' : ''}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
