import { useState } from 'react';
import { trpc, type RouterOutputs } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { formatDateTime } from '../../ui/formatDate';
import { Pager } from '../../ui/Pager';
import { ActionsColumnHeader } from '../../ui/Table';
import { CreateApiKeyDialog } from './CreateApiKeyDialog';
import { API_KEY_SCOPE_LABELS } from './scopeLabels';

type BoundKey = RouterOutputs['workspaceApiKeys']['list']['keys'][number];

const PAGE_SIZE = 25;

/**
 * Workspace settings → API keys (seed 002: "for MCP server connections, external scripts, M2M"):
 * the keys restricted to this workspace, whoever owns them, for its admins to see and revoke; and
 * a new key of one's own, restricted to it.
 */
export function WorkspaceApiKeysSection({ organisationId, workspace }: { organisationId: string; workspace: { id: string; name: string } }) {
  const utils = trpc.useUtils();
  const [page, setPage] = useState(1);
  const keys = trpc.workspaceApiKeys.list.useQuery({ workspaceId: workspace.id, page, pageSize: PAGE_SIZE }, { placeholderData: (previous) => previous });
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<BoundKey | null>(null);
  const revoke = trpc.workspaceApiKeys.revoke.useMutation({
    onSuccess: () => {
      setRevoking(null);
      void utils.workspaceApiKeys.list.invalidate({ workspaceId: workspace.id });
    },
  });
  const data = keys.data;

  return (
    <section aria-labelledby="workspace-keys-heading">
      <h2 id="workspace-keys-heading">API keys</h2>
      <p className="hint">
        Keys restricted to {workspace.name}: they reach this workspace only, whatever their owner holds. Use one for an AI assistant (MCP
        at <code>{window.location.origin}/mcp</code>), a script or another system. The full key is shown once, when it is created.
      </p>
      <div className="dialog-actions start">
        <button type="button" className="button" onClick={() => setCreating(true)}>
          New key for {workspace.name}
        </button>
      </div>
      <ErrorMessage error={keys.error} />
      {keys.isPending ? (
        <p className="loading">Loading…</p>
      ) : data && data.keys.length === 0 && page === 1 ? (
        <p className="muted">No keys are restricted to this workspace.</p>
      ) : (
        <table className="table" aria-labelledby="workspace-keys-heading">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Scope</th>
              <th scope="col">Owner</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <ActionsColumnHeader />
            </tr>
          </thead>
          <tbody>
            {data?.keys.map((key) => {
              const expired = key.expiresAt !== null && new Date(key.expiresAt).getTime() <= Date.now();
              return (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{API_KEY_SCOPE_LABELS[key.scope]}</td>
                  <td>{key.ownerEmail}</td>
                  <td>{key.lastUsedAt ? formatDateTime(key.lastUsedAt) : <span className="muted">Never</span>}</td>
                  <td>
                    <span className={key.revokedAt || expired ? 'status revoked' : 'status active'}>{key.revokedAt ? 'Revoked' : expired ? 'Expired' : 'Active'}</span>
                  </td>
                  <td className="actions">
                    {!key.revokedAt && (
                      <button type="button" className="button small danger" onClick={() => setRevoking(key)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Pager label="Workspace API key pages" page={page} result={data} onPageChange={setPage} />

      {creating && (
        <CreateApiKeyDialog
          organisationId={organisationId}
          workspaces={[workspace]}
          fixedWorkspace
          onCreated={() => {
            setPage(1);
            void utils.workspaceApiKeys.list.invalidate({ workspaceId: workspace.id });
          }}
          onClose={() => setCreating(false)}
        />
      )}
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.name}`}
          confirmLabel="Revoke key"
          mutation={revoke}
          onCancel={() => setRevoking(null)}
          onConfirm={() => revoke.mutate({ workspaceId: workspace.id, apiKeyId: revoking.id })}
        >
          <p>
            Anything using the key <code>{revoking.prefix}…</code> ({revoking.ownerEmail}’s) stops working at once. A revoked key cannot be
            restored.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
