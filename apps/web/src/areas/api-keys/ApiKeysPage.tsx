import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { can } from '../../permissions';
import { trpc } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Pager } from '../../ui/Pager';
import { type ApiKey, ApiKeyTable } from './ApiKeyTable';
import { CreateApiKeyDialog } from './CreateApiKeyDialog';

const PAGE_SIZE = 25;

/** API keys: one's own (everyone's with 'apiKeys.manageAll'), paged; create with the key shown once, revoke. */
export function ApiKeysPage({ organisation }: { organisation: Organisation }) {
  const organisationId = organisation.id;
  const [page, setPage] = useState(1);
  const keys = trpc.apiKeys.list.useQuery({ organisationId, page, pageSize: PAGE_SIZE }, { placeholderData: (previous) => previous });
  const utils = trpc.useUtils();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const revoke = trpc.apiKeys.revoke.useMutation({
    onSuccess: () => {
      setRevoking(null);
      void utils.apiKeys.list.invalidate();
    },
  });
  const seesEveryone = can(organisation, 'apiKeys.manageAll');

  const data = keys.data;

  return (
    <>
      <div className="page-header">
        <h1>API keys</h1>
        <button type="button" className="button primary" onClick={() => setCreating(true)}>
          New API key
        </button>
      </div>
      <section className="note" aria-labelledby="rest-api-heading">
        <h2 id="rest-api-heading">Using the REST API</h2>
        <p>
          Send the key in the <code>Authorization</code> header of every request: <code>Authorization: Bearer pai_…</code>. A key acts as
          the person who created it, limited by its scope, and stops working when revoked, when it expires, or when its owner leaves{' '}
          {organisation.name}. The endpoints are described in the <a href="/api/docs">API documentation</a>.
        </p>
        <p>
          AI assistants (Claude Desktop, ChatGPT and other MCP clients) connect to <code>{window.location.origin}/mcp</code> with the same
          header; a read-only key restricted to one workspace is the safest choice for them.
        </p>
      </section>

      <section aria-labelledby="keys-heading">
        <h2 id="keys-heading">{seesEveryone ? `Keys in ${organisation.name}` : 'Your keys'}</h2>
        <ErrorMessage error={keys.error} />
        {keys.isPending ? (
          <p className="loading">Loading…</p>
        ) : data && data.keys.length === 0 && page === 1 ? (
          <p className="muted">No API keys yet.</p>
        ) : (
          <ApiKeyTable keys={data?.keys ?? []} showWorkspace showOwner={seesEveryone} onRevoke={setRevoking} />
        )}
        <Pager label="API key pages" page={page} result={data} onPageChange={setPage} />
      </section>

      {creating && (
        <CreateApiKeyDialog
          organisationId={organisationId}
          workspaces={organisation.workspaces}
          onCreated={() => {
            // A new key is active and newest, so it comes first.
            setPage(1);
            void utils.apiKeys.list.invalidate();
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
          onConfirm={() => revoke.mutate({ organisationId, apiKeyId: revoking.id })}
        >
          <p>
            Anything using the key <code>{revoking.prefix}…</code> stops working at once. A revoked key cannot be restored; create a new one
            instead.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
