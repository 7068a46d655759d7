import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { useLocation } from '../../routes';
import { type RouterOutputs, trpc } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { formatDateTime } from '../../ui/formatDate';
import { ActionsColumnHeader } from '../../ui/Table';
import { type WorkspaceEntry, WorkspaceAdminPage, WorkspacePicker } from '../records/WorkspacePicker';

type App = RouterOutputs['connectedApps']['list']['apps'][number];

/**
 * /orgs/:id/connected-apps/:slug — HubSpot, Salesforce, Google and Outlook Calendar for a workspace
 * (seed 002 "Integrations"), for its admins: connect by OAuth, see status, account and granted
 * scopes, check the connection, disconnect. The app's consent page sends the browser back here.
 */
export function ConnectedAppsPage({ organisation }: { organisation: Organisation }) {
  return (
    <WorkspaceAdminPage organisation={organisation} area="connected-apps" title="Connected apps" what="connected apps">
      {(workspace) => <WorkspaceApps key={workspace.id} organisation={organisation} workspace={workspace} />}
    </WorkspaceAdminPage>
  );
}

function WorkspaceApps({ organisation, workspace }: { organisation: Organisation; workspace: WorkspaceEntry }) {
  const utils = trpc.useUtils();
  const { search } = useLocation();
  const returned = new URLSearchParams(search);
  const input = { workspaceId: workspace.id };
  const list = trpc.connectedApps.list.useQuery(input);
  const [notice, setNotice] = useState<string | null>(null);
  const [disconnecting, setDisconnecting] = useState<App | null>(null);
  const refresh = () => utils.connectedApps.list.invalidate(input);
  const connect = trpc.connectedApps.connect.useMutation({ onSuccess: (r) => window.location.assign(r.authorizeUrl) });
  const check = trpc.connectedApps.refresh.useMutation({
    onSuccess: (c) => setNotice(c.status === 'connected' ? `${c.providerLabel} still accepts Steward.` : `${c.providerLabel} needs reconnecting: ${c.failureReason ?? ''}`),
    onSettled: refresh,
  });
  const disconnect = trpc.connectedApps.disconnect.useMutation();
  const connectedLabel = list.data?.apps.find((a) => a.app === returned.get('connected'))?.label;

  return (
    <>
      <div className="page-header">
        <h1>Connected apps</h1>
        <div className="toolbar">
          <WorkspacePicker organisation={organisation} area="connected-apps" workspace={workspace} />
        </div>
      </div>
      <p className="hint">Connect {workspace.name} to the tools it works with. Steward keeps the access it is given encrypted and renews it before it expires.</p>
      {connectedLabel && !notice && (
        <p className="success" role="status">
          Connected {connectedLabel}.
        </p>
      )}
      {returned.get('oauth_error') && !notice && <p className="error" role="alert">{returned.get('oauth_error')}</p>}
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <ErrorMessage error={list.error ?? connect.error ?? check.error} />
      {list.isPending && <p className="loading">Loading…</p>}
      {list.data && (
        <table className="table" aria-label="Connected apps">
          <thead>
            <tr>
              <th scope="col">App</th>
              <th scope="col">Status</th>
              <th scope="col">Granted scopes</th>
              <ActionsColumnHeader />
            </tr>
          </thead>
          <tbody>
            {list.data.apps.map((a) => (
              <tr key={a.app}>
                <td>
                  <strong>{a.label}</strong>
                  <div className="hint">{a.description}</div>
                </td>
                <td>
                  {!a.connection && (a.available ? 'Not connected' : 'Not set up on this server')}
                  {a.connection?.status === 'connected' && (
                    <>
                      Connected{a.connection.account ? ` as ${a.connection.account}` : ''}
                      <div className="hint">since {formatDateTime(a.connection.connectedAt)}</div>
                    </>
                  )}
                  {a.connection?.status === 'needs_reconnection' && (
                    <span className="error" role="alert">
                      Needs reconnecting since {formatDateTime(a.connection.failingSince)}: {a.connection.failureReason}
                    </span>
                  )}
                </td>
                <td>{a.connection ? a.connection.scopes.map((s) => <code key={s}>{s} </code>) : '—'}</td>
                <td className="actions">
                  {a.available && (!a.connection || a.connection.status === 'needs_reconnection') && (
                    <button type="button" className="button primary" disabled={connect.isPending} onClick={() => connect.mutate({ ...input, app: a.app, returnTo: window.location.pathname })}>
                      {a.connection ? 'Reconnect' : 'Connect'}
                    </button>
                  )}
                  {a.connection?.status === 'connected' && (
                    <button type="button" className="button" disabled={check.isPending} onClick={() => check.mutate({ ...input, app: a.app })}>
                      Check connection
                    </button>
                  )}
                  {a.connection && (
                    <button type="button" className="button danger" onClick={() => setDisconnecting(a)}>
                      Disconnect
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {disconnecting && (
        <ConfirmDialog
          title={`Disconnect ${disconnecting.label}?`}
          confirmLabel="Disconnect"
          mutation={disconnect}
          onCancel={() => setDisconnecting(null)}
          onConfirm={() =>
            disconnect.mutate(
              { ...input, app: disconnecting.app },
              {
                onSuccess: (r) => {
                  setDisconnecting(null);
                  setNotice(r.message);
                  void refresh();
                },
              },
            )
          }
        >
          <p>Steward deletes the access {disconnecting.label} gave it, and asks {disconnecting.label} to revoke it where it can.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
