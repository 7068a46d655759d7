import { useMemo, useState } from 'react';
import type { Organisation } from '../../Layout';
import { trpc } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { PipelineForecast } from '../pipeline/PipelineForecast';
import { assigneeText } from './AssigneeSelect';
import { type Deal, DealFormDialog } from './DealFormDialog';
import { FilterBar } from './FilterBar';
import { type Filterable, filterableOf, type RecordFilter } from './filters';
import { mayCreateRecords, mayEditRecord, useRecordFields } from './recordAccess';
import { PAGE_SIZE, RecordsList } from './RecordsList';
import { actionsColumn, customFieldColumns, EditDeleteButtons, type RecordColumn } from './RecordsTable';
import { NoWorkspace, useChosenWorkspace, type WorkspaceEntry, WorkspacePicker } from './WorkspacePicker';

const NOUN = { one: 'deal', many: 'deals' };
/** The companies a deal can be linked to in the form and the filter bar: the server's largest page. */
const COMPANY_CHOICES = 200;

/** /orgs/:id/deals/:slug — a workspace's deals, with its custom fields, filters and (for members and admins) the form. */
export function DealsPage({ organisation }: { organisation: Organisation }) {
  const { workspace, slug } = useChosenWorkspace(organisation, 'deals');
  if (!workspace) {
    return (
      <>
        <div className="page-header">
          <h1>Deals</h1>
        </div>
        <NoWorkspace organisation={organisation} slug={slug} />
      </>
    );
  }
  return <WorkspaceDeals key={workspace.id} organisation={organisation} workspace={workspace} />;
}

function formatAmount(deal: Deal): string {
  if (deal.amount === null) return '—';
  if (!deal.currency) return deal.amount.toLocaleString();
  try {
    return deal.amount.toLocaleString(undefined, { style: 'currency', currency: deal.currency });
  } catch {
    return `${deal.amount.toLocaleString()} ${deal.currency}`;
  }
}

function WorkspaceDeals({ organisation, workspace }: { organisation: Organisation; workspace: WorkspaceEntry }) {
  const utils = trpc.useUtils();
  const userId = trpc.me.useQuery().data?.user.id;
  const { fields, error: fieldsError } = useRecordFields(workspace.id, 'deal');
  const companyChoices = trpc.companies.list.useQuery({ workspaceId: workspace.id, limit: COMPANY_CHOICES });
  const [filters, setFilters] = useState<RecordFilter[]>([]);
  const [editing, setEditing] = useState<Deal | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Deal | null>(null);
  const deals = trpc.deals.search.useInfiniteQuery(
    { workspaceId: workspace.id, filters, limit: PAGE_SIZE },
    { getNextPageParam: (page) => page.nextCursor, placeholderData: (previous) => previous },
  );
  const stages = trpc.pipeline.list.useQuery({ workspaceId: workspace.id });
  const refresh = () => void Promise.all([utils.deals.search.invalidate(), utils.pipeline.invalidate()]);
  const remove = trpc.deals.delete.useMutation({
    onSuccess: () => {
      setDeleting(null);
      refresh();
    },
  });
  const mayCreate = mayCreateRecords(workspace);
  const companies = useMemo(() => (companyChoices.data?.items ?? []).map((c) => ({ id: c.id, name: c.name })), [companyChoices.data]);

  const filterables = useMemo<Filterable[]>(
    () => [
      { field: 'name', label: 'Name', kind: 'text' },
      { field: 'amount', label: 'Amount', kind: 'number' },
      { field: 'currency', label: 'Currency', kind: 'text' },
      ...(companies.length > 0 ? [{ field: 'companyId', label: 'Company', kind: 'choice' as const, options: companies.map((c) => ({ id: c.id, label: c.name })) }] : []),
      ...(stages.data ? [{ field: 'stageId', label: 'Stage', kind: 'choice' as const, options: stages.data.stages.map((st) => ({ id: st.id, label: st.name })) }] : []),
      ...(userId ? [{ field: 'ownerUserId', label: 'Owner', kind: 'choice' as const, options: [{ id: userId, label: 'Me' }] }] : []),
      ...fields.map(filterableOf),
    ],
    [fields, companies, userId, stages.data],
  );
  const columns = useMemo(() => {
    const companyName = new Map(companies.map((c) => [c.id, c.name]));
    const stageName = new Map((stages.data?.stages ?? []).map((st) => [st.id, st.name]));
    const list: RecordColumn<Deal>[] = [
      { id: 'name', header: 'Name', cell: ({ row }) => row.original.name },
      { id: 'amount', header: 'Amount', cell: ({ row }) => formatAmount(row.original) },
      {
        id: 'company',
        header: 'Company',
        cell: ({ row }) => (row.original.companyId ? (companyName.get(row.original.companyId) ?? 'A company') : <span className="muted">—</span>),
      },
      { id: 'owner', header: 'Owner', cell: ({ row }) => assigneeText(row.original.ownerUserId, userId) },
      { id: 'stage', header: 'Stage', cell: ({ row }) => stageName.get(row.original.stageId ?? '') ?? <span className="muted">—</span> },
      ...customFieldColumns<Deal>(fields),
    ];
    if (mayCreate) {
      list.push(
        actionsColumn((deal) =>
          mayEditRecord(workspace, userId, deal) ? <EditDeleteButtons name={deal.name} onEdit={() => setEditing(deal)} onDelete={() => setDeleting(deal)} /> : null,
        ),
      );
    }
    return list;
  }, [fields, companies, userId, workspace, mayCreate, stages.data]);

  return (
    <>
      <div className="page-header">
        <h1>Deals</h1>
        <div className="toolbar">
          <WorkspacePicker organisation={organisation} area="deals" workspace={workspace} />
          {mayCreate && (
            <button type="button" className="button primary" onClick={() => setEditing('new')}>
              New deal
            </button>
          )}
        </div>
      </div>
      {workspace.role === 'viewer' && <p className="hint">You can view this workspace’s deals; members and admins add and change them.</p>}
      <ErrorMessage error={fieldsError ?? companyChoices.error} />
      <FilterBar noun={NOUN.many} filterables={filterables} filters={filters} onChange={setFilters} />
      <RecordsList noun={NOUN} label="Deals" filtered={filters.length > 0} query={deals} columns={columns} />
      <PipelineForecast workspaceId={workspace.id} />
      {editing && userId && (
        <DealFormDialog
          workspace={workspace}
          fields={fields}
          deal={editing === 'new' ? null : editing}
          companies={companies}
          userId={userId}
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
          confirmLabel="Delete deal"
          mutation={remove}
          onCancel={() => setDeleting(null)}
          onConfirm={() => remove.mutate({ workspaceId: workspace.id, dealId: deleting.id })}
        >
          <p>
            {deleting.name} and its values are deleted from {workspace.name}.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
