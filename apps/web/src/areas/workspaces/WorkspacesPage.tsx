import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { can } from '../../permissions';
import { Link } from '../../routes';
import { trpc, type RouterOutputs } from '../../trpc';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { ActionsColumnHeader } from '../../ui/Table';
import { CreateWorkspaceDialog } from './CreateWorkspaceDialog';
import { DeleteWorkspaceDialog } from './DeleteWorkspaceDialog';

type Workspace = RouterOutputs['workspaces']['list'][number];

const KIND_LABELS: Record<Workspace['kind'], string> = { global: 'Global', chapter: 'Chapter' };

/** SPEC §3 Workspaces: the organisation's workspaces, create, delete; each links to its settings. */
export function WorkspacesPage({ organisation }: { organisation: Organisation }) {
  const workspaces = trpc.workspaces.list.useQuery({ organisationId: organisation.id });
  const utils = trpc.useUtils();
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Workspace | null>(null);
  const mayManage = can(organisation, 'workspaces.manage');
  const settingsPath = (slug: string) => `/orgs/${organisation.id}/workspaces/${slug}`;

  return (
    <>
      <div className="page-header">
        <h1>Workspaces</h1>
        {mayManage && (
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            New workspace
          </button>
        )}
      </div>
      <ErrorMessage error={workspaces.error} />
      {workspaces.isPending ? (
        <p className="loading">Loading…</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Slug</th>
              <th scope="col">Kind</th>
              <th scope="col" className="number">Contacts</th>
              <th scope="col" className="number">Members</th>
              <ActionsColumnHeader />
            </tr>
          </thead>
          <tbody>
            {workspaces.data?.map((workspace) => (
              <tr key={workspace.id}>
                <td>
                  <Link to={settingsPath(workspace.slug)}>{workspace.name}</Link>
                </td>
                <td>
                  <code>{workspace.slug}</code>
                </td>
                <td>{KIND_LABELS[workspace.kind]}</td>
                <td className="number">{workspace.contactCount}</td>
                <td className="number">{workspace.memberCount}</td>
                <td className="actions">
                  {mayManage && workspace.kind === 'chapter' && (
                    <button type="button" className="button small danger" onClick={() => setDeleting(workspace)}>
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && (
        <CreateWorkspaceDialog
          organisationId={organisation.id}
          onClose={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            void utils.workspaces.list.invalidate();
          }}
        />
      )}
      {deleting && (
        <DeleteWorkspaceDialog
          workspaceId={deleting.id}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setDeleting(null);
            void utils.workspaces.list.invalidate();
            void utils.users.list.invalidate();
          }}
        />
      )}
    </>
  );
}
