import type { RouterOutputs } from '../../trpc';
import { formatDateTime } from '../../ui/formatDate';
import { ActionsColumnHeader } from '../../ui/Table';
import { API_KEY_SCOPE_LABELS } from './scopeLabels';

/** A key as the server lists it (the organisation's list and a workspace's have the same shape). */
export type ApiKey = RouterOutputs['apiKeys']['list']['keys'][number];

function keyStatus(key: ApiKey): { label: string; className: string } {
  if (key.revokedAt) return { label: 'Revoked', className: 'status revoked' };
  if (key.expiresAt && new Date(key.expiresAt).getTime() <= Date.now()) return { label: 'Expired', className: 'status revoked' };
  return { label: 'Active', className: 'status active' };
}

/** A page of keys, by prefix only, each with its status and a Revoke button while active. */
export function ApiKeyTable(props: { keys: ApiKey[]; showWorkspace: boolean; showOwner: boolean; onRevoke: (key: ApiKey) => void; labelledBy?: string }) {
  return (
    <table className="table" aria-labelledby={props.labelledBy}>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Key</th>
          <th scope="col">Scope</th>
          {props.showWorkspace && <th scope="col">Workspace</th>}
          {props.showOwner && <th scope="col">Owner</th>}
          <th scope="col">Created</th>
          <th scope="col">Expires</th>
          <th scope="col">Last used</th>
          <th scope="col">Status</th>
          <ActionsColumnHeader />
        </tr>
      </thead>
      <tbody>
        {props.keys.map((key) => {
          const status = keyStatus(key);
          return (
            <tr key={key.id}>
              <td>{key.name}</td>
              <td>
                <code>{key.prefix}…</code>
              </td>
              <td>{API_KEY_SCOPE_LABELS[key.scope]}</td>
              {props.showWorkspace && <td>{key.workspaceName ?? <span className="muted">Any</span>}</td>}
              {props.showOwner && <td>{key.ownerEmail}</td>}
              <td>{formatDateTime(key.createdAt)}</td>
              <td>{key.expiresAt ? formatDateTime(key.expiresAt) : <span className="muted">Never</span>}</td>
              <td>{key.lastUsedAt ? formatDateTime(key.lastUsedAt) : <span className="muted">Never</span>}</td>
              <td>
                <span className={status.className}>{status.label}</span>
                {key.revokedAt && <small className="muted"> {formatDateTime(key.revokedAt)}</small>}
              </td>
              <td className="actions">
                {!key.revokedAt && (
                  <button type="button" className="button small danger" onClick={() => props.onRevoke(key)}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
