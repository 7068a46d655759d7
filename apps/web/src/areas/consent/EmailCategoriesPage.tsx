import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { trpc } from '../../trpc';
import './consent.css';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { ActionsColumnHeader } from '../../ui/Table';
import { NoWorkspace, useChosenWorkspace, type WorkspaceEntry, WorkspacePicker } from '../records/WorkspacePicker';
import { CategoryDialog } from './CategoryDialog';
import type { EmailCategory } from './consentLabels';

/**
 * /orgs/:id/email-categories/:slug — the kinds of email a workspace's contacts can subscribe to
 * (seed 000). Workspace admins add, edit, reorder (up and down), archive and restore them; a
 * category no contact ever chose can be deleted. Everyone else reads.
 */
export function EmailCategoriesPage({ organisation }: { organisation: Organisation }) {
  const { workspace, slug } = useChosenWorkspace(organisation, 'email-categories');
  if (!workspace) {
    return (
      <>
        <div className="page-header">
          <h1>Email categories</h1>
        </div>
        <NoWorkspace organisation={organisation} slug={slug} />
      </>
    );
  }
  return <WorkspaceCategories key={workspace.id} organisation={organisation} workspace={workspace} />;
}

type Dialogs = { kind: 'create' } | { kind: 'edit' | 'delete'; category: EmailCategory } | null;

function WorkspaceCategories({ organisation, workspace }: { organisation: Organisation; workspace: WorkspaceEntry }) {
  const utils = trpc.useUtils();
  const input = { workspaceId: workspace.id };
  const list = trpc.emailCategories.list.useQuery(input);
  const [dialog, setDialog] = useState<Dialogs>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => Promise.all([utils.emailCategories.list.invalidate(input), utils.consent.invalidate()]);
  const reorder = trpc.emailCategories.reorder.useMutation({ onSettled: refresh });
  const archive = trpc.emailCategories.archive.useMutation({ onSuccess: (c) => setNotice(`Archived '${c.name}'.`), onSettled: refresh });
  const restore = trpc.emailCategories.restore.useMutation({ onSuccess: (c) => setNotice(`Restored '${c.name}'.`), onSettled: refresh });
  const remove = trpc.emailCategories.delete.useMutation();
  const manages = workspace.role === 'admin';
  const categories = list.data ?? [];

  function move(index: number, by: -1 | 1) {
    const order = categories.map((c) => c.id);
    const [moved] = order.splice(index, 1);
    order.splice(index + by, 0, moved!);
    // Shown at once; read again when the server has answered (or refused).
    utils.emailCategories.list.setData(input, order.map((id, position) => ({ ...categories.find((c) => c.id === id)!, position })));
    setNotice(null);
    reorder.mutate({ ...input, categoryIds: order });
  }

  return (
    <>
      <div className="page-header">
        <h1>Email categories</h1>
        <div className="toolbar">
          <WorkspacePicker organisation={organisation} area="email-categories" workspace={workspace} />
          {manages && (
            <button type="button" className="button primary" onClick={() => setDialog({ kind: 'create' })}>
              New category
            </button>
          )}
        </div>
      </div>
      <p className="hint">
        The kinds of email {workspace.name} sends. Every campaign has a category, and contacts who opted out of a category never receive it.
        {!manages && ' Only workspace admins change them.'}
      </p>
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <ErrorMessage error={list.error ?? reorder.error ?? archive.error ?? restore.error} />
      {list.isPending && <p className="loading">Loading…</p>}
      {list.data && categories.length === 0 && <p className="muted">No email categories here yet.</p>}
      {categories.length > 0 && (
        <table className="table consent-table" aria-label="Email categories">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">New contacts</th>
              <th scope="col">Status</th>
              <ActionsColumnHeader />
            </tr>
          </thead>
          <tbody>
            {categories.map((category, index) => (
              <tr key={category.id}>
                <th scope="row">
                  {category.name}
                  {category.description && <small className="hint"> — {category.description}</small>}
                </th>
                <td>{category.subscribedByDefault ? 'Start subscribed' : <span className="muted">Start unsubscribed</span>}</td>
                <td>{category.archived ? <span className="status pending">Archived</span> : <span className="status active">Active</span>}</td>
                <td className="actions">
                  {manages && (
                    <>
                      <button type="button" className="button small" aria-label={`Move ${category.name} up`} disabled={index === 0 || reorder.isPending} onClick={() => move(index, -1)}>
                        ↑
                      </button>
                      <button
                        type="button"
                        className="button small"
                        aria-label={`Move ${category.name} down`}
                        disabled={index === categories.length - 1 || reorder.isPending}
                        onClick={() => move(index, 1)}
                      >
                        ↓
                      </button>
                      <button type="button" className="button small" aria-label={`Edit ${category.name}`} onClick={() => setDialog({ kind: 'edit', category })}>
                        Edit
                      </button>
                      {category.archived ? (
                        <button type="button" className="button small" aria-label={`Restore ${category.name}`} onClick={() => restore.mutate({ ...input, categoryId: category.id })}>
                          Restore
                        </button>
                      ) : (
                        <button type="button" className="button small" aria-label={`Archive ${category.name}`} onClick={() => archive.mutate({ ...input, categoryId: category.id })}>
                          Archive
                        </button>
                      )}
                      {!category.inUse && (
                        <button type="button" className="button small danger" aria-label={`Delete ${category.name}`} onClick={() => setDialog({ kind: 'delete', category })}>
                          Delete
                        </button>
                      )}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(dialog?.kind === 'create' || dialog?.kind === 'edit') && (
        <CategoryDialog
          workspaceId={workspace.id}
          category={dialog.kind === 'edit' ? dialog.category : null}
          onClose={() => setDialog(null)}
          onSaved={(category) => {
            setDialog(null);
            setNotice(dialog.kind === 'edit' ? `Saved '${category.name}'.` : `Added '${category.name}'.`);
            void refresh();
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete ${dialog.category.name}?`}
          confirmLabel="Delete category"
          mutation={remove}
          onCancel={() => setDialog(null)}
          onConfirm={() =>
            remove.mutate(
              { ...input, categoryId: dialog.category.id },
              {
                onSuccess: () => {
                  setNotice(`Deleted '${dialog.category.name}'.`);
                  setDialog(null);
                  void refresh();
                },
              },
            )
          }
        >
          <p>No contact has chosen or refused this category yet, so nothing is lost. A category that contacts have chosen can only be archived.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
