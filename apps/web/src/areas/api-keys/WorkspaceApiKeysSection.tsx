import { useState } from 'react';
import { trpc } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Pager } from '../../ui/Pager';
import { type ApiKey, ApiKeyTable } from './ApiKeyTable';
import { CreateApiKeyDialog } from './CreateApiKeyDialog';

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
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
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
        <ApiKeyTable keys={data?.keys ?? []} showWorkspace={false} showOwner onRevoke={setRevoking} labelledBy="workspace-keys-heading" />
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
