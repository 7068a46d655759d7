import { useMemo, useState } from 'react';
import type { Organisation } from '../../Layout';
import { trpc } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { type Company, CompanyFormDialog } from './CompanyFormDialog';
import { FilterBar } from './FilterBar';
import { type Filterable, filterableOf, type RecordFilter } from './filters';
import { mayCreateRecords, mayEditRecord, useRecordFields } from './recordAccess';
import { PAGE_SIZE, RecordsList } from './RecordsList';
import { actionsColumn, customFieldColumns, EditDeleteButtons, type RecordColumn } from './RecordsTable';
import { NoWorkspace, useChosenWorkspace, type WorkspaceEntry, WorkspacePicker } from './WorkspacePicker';

const NOUN = { one: 'company', many: 'companies' };

/** /orgs/:id/companies/:slug — a workspace's companies, with its custom fields, filters and (for members and admins) the form. */
export function CompaniesPage({ organisation }: { organisation: Organisation }) {
  const { workspace, slug } = useChosenWorkspace(organisation, 'companies');
  if (!workspace) {
    return (
      <>
        <div className="page-header">
          <h1>Companies</h1>
        </div>
        <NoWorkspace organisation={organisation} slug={slug} />
      </>
    );
  }
  return <WorkspaceCompanies key={workspace.id} organisation={organisation} workspace={workspace} />;
}

function WorkspaceCompanies({ organisation, workspace }: { organisation: Organisation; workspace: WorkspaceEntry }) {
  const utils = trpc.useUtils();
  const userId = trpc.me.useQuery().data?.user.id;
  const { fields, error: fieldsError } = useRecordFields(workspace.id, 'company');
  const [filters, setFilters] = useState<RecordFilter[]>([]);
  const [editing, setEditing] = useState<Company | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Company | null>(null);
  const companies = trpc.companies.search.useInfiniteQuery(
    { workspaceId: workspace.id, filters, limit: PAGE_SIZE },
    { getNextPageParam: (page) => page.nextCursor, placeholderData: (previous) => previous },
  );
  const refresh = () => void utils.companies.search.invalidate();
  const remove = trpc.companies.delete.useMutation({
    onSuccess: () => {
      setDeleting(null);
      refresh();
    },
  });
  const mayCreate = mayCreateRecords(workspace);

  const filterables = useMemo<Filterable[]>(
    () => [{ field: 'name', label: 'Name', kind: 'text' }, { field: 'domain', label: 'Domain', kind: 'text' }, ...fields.map(filterableOf)],
    [fields],
  );
  const columns = useMemo(() => {
    const list: RecordColumn<Company>[] = [
      { id: 'name', header: 'Name', cell: ({ row }) => row.original.name },
      { id: 'domain', header: 'Domain', cell: ({ row }) => row.original.domain ?? <span className="muted">—</span> },
      ...customFieldColumns<Company>(fields),
    ];
    if (mayCreate) {
      list.push(
        actionsColumn((company) =>
          mayEditRecord(workspace, userId, company) ? <EditDeleteButtons name={company.name} onEdit={() => setEditing(company)} onDelete={() => setDeleting(company)} /> : null,
        ),
      );
    }
    return list;
  }, [fields, userId, workspace, mayCreate]);

  return (
    <>
      <div className="page-header">
        <h1>Companies</h1>
        <div className="toolbar">
          <WorkspacePicker organisation={organisation} area="companies" workspace={workspace} />
          {mayCreate && (
            <button type="button" className="button primary" onClick={() => setEditing('new')}>
              New company
            </button>
          )}
        </div>
      </div>
      {workspace.role === 'viewer' && <p className="hint">You can view this workspace’s companies; members and admins add and change them.</p>}
      <ErrorMessage error={fieldsError} />
      <FilterBar noun={NOUN.many} filterables={filterables} filters={filters} onChange={setFilters} />
      <RecordsList noun={NOUN} label="Companies" filtered={filters.length > 0} query={companies} columns={columns} />
      {editing && (
        <CompanyFormDialog
          workspace={workspace}
          fields={fields}
          company={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            refresh();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}`}
          confirmLabel="Delete company"
          mutation={remove}
          onCancel={() => setDeleting(null)}
          onConfirm={() => remove.mutate({ workspaceId: workspace.id, companyId: deleting.id })}
        >
          <p>{deleting.name} and its values are deleted from {workspace.name}. Its deals stay, without a company.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
