import { useMemo, useState } from 'react';
import type { Organisation } from '../../Layout';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { assigneeText } from './AssigneeSelect';
import { type Contact, ContactFormDialog } from './ContactFormDialog';
import { FilterBar } from './FilterBar';
import { type Filterable, filterableOf, type RecordFilter } from './filters';
import { mayCreateRecords, mayEditRecord, useRecordFields } from './recordAccess';
import { PAGE_SIZE, RecordsList } from './RecordsList';
import { actionsColumn, customFieldColumns, EditDeleteButtons, type RecordColumn } from './RecordsTable';
import { contactName, RemoveContactDialog } from './RemoveContactDialog';
import { NoWorkspace, useChosenWorkspace, type WorkspaceEntry, WorkspacePicker } from './WorkspacePicker';
import { BulkConsentDialog } from '../consent/BulkConsentDialog';
import { useConsentFilterables } from '../consent/consentFilters';
import { ContactRecordDialog, contactPath } from '../consent/ConsentPanel';
import { Link, navigate } from '../../routes';

const NOUN = { one: 'contact', many: 'contacts' };

/**
 * /orgs/:id/contacts/:slug — the people a workspace knows, with its custom fields as columns, a
 * filter bar, and (for members and admins) the record form. `toolbarExtra` puts more buttons in
 * the header next to "New contact" for those who may add contacts (e.g. a CSV import).
 */
export function ContactsPage(props: { organisation: Organisation; toolbarExtra?: (workspace: WorkspaceEntry) => React.ReactNode }) {
  const { organisation } = props;
  const { workspace, slug, rest } = useChosenWorkspace(organisation, 'contacts');
  if (!workspace) {
    return (
      <>
        <div className="page-header">
          <h1>Contacts</h1>
        </div>
        <NoWorkspace organisation={organisation} slug={slug} />
      </>
    );
  }
  return <WorkspaceContacts key={workspace.id} organisation={organisation} workspace={workspace} toolbarExtra={props.toolbarExtra} openContactId={rest[0] ?? null} />;
}

function WorkspaceContacts(props: { organisation: Organisation; workspace: WorkspaceEntry; toolbarExtra?: (workspace: WorkspaceEntry) => React.ReactNode; openContactId: string | null }) {
  const { organisation, workspace } = props;
  const utils = trpc.useUtils();
  const userId = trpc.me.useQuery().data?.user.id;
  const { fields, error: fieldsError } = useRecordFields(workspace.id, 'contact');
  const [filters, setFilters] = useState<RecordFilter[]>([]);
  // The global workspace's read-only view of every person of the organisation.
  const [allWorkspaces, setAllWorkspaces] = useState(false);
  const [editing, setEditing] = useState<Contact | 'new' | null>(null);
  const [removing, setRemoving] = useState<Contact | null>(null);
  const [bulkConsent, setBulkConsent] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const consentFilterables = useConsentFilterables(workspace.id);

  const contacts = trpc.contacts.search.useInfiniteQuery(
    { workspaceId: workspace.id, filters, limit: PAGE_SIZE, allWorkspaces },
    { getNextPageParam: (page) => page.nextCursor, placeholderData: (previous) => previous },
  );
  const mayCreate = mayCreateRecords(workspace) && !allWorkspaces;
  const mayEdit = (contact: Contact) => !allWorkspaces && mayEditRecord(workspace, userId, contact);

  const filterables = useMemo<Filterable[]>(
    () => [
      { field: 'firstName', label: 'First name', kind: 'text' },
      { field: 'lastName', label: 'Last name', kind: 'text' },
      { field: 'email', label: 'Email', kind: 'text' },
      { field: 'phone', label: 'Phone', kind: 'text' },
      { field: 'country', label: 'Country', kind: 'text' },
      { field: 'language', label: 'Language', kind: 'text' },
      ...(userId ? [{ field: 'assigneeUserId', label: 'Assignee', kind: 'choice' as const, options: [{ id: userId, label: 'Me' }] }] : []),
      ...fields.map(filterableOf),
      ...(allWorkspaces ? [] : consentFilterables),
    ],
    [fields, userId, consentFilterables, allWorkspaces],
  );

  const columns = useMemo(() => {
    const list: RecordColumn<Contact>[] = [
      {
        id: 'name',
        header: 'Name',
        // The person's record (/contacts/:slug/:contactId): their email consent, read only for those who may not edit them.
        cell: ({ row }) => (allWorkspaces ? contactName(row.original) : <Link to={contactPath(organisation, workspace, row.original.id)}>{contactName(row.original)}</Link>),
      },
      { id: 'email', header: 'Email', cell: ({ row }) => row.original.email ?? <span className="muted">—</span> },
      { id: 'phone', header: 'Phone', cell: ({ row }) => row.original.phone ?? <span className="muted">—</span> },
      { id: 'country', header: 'Country', cell: ({ row }) => row.original.country ?? <span className="muted">—</span> },
      { id: 'assignee', header: 'Assignee', cell: ({ row }) => assigneeText(row.original.assigneeUserId, userId) },
      ...customFieldColumns<Contact>(fields),
    ];
    if (mayCreateRecords(workspace) && !allWorkspaces) {
      list.push(
        actionsColumn((contact) =>
          mayEdit(contact) ? (
            <EditDeleteButtons name={contactName(contact)} deleteLabel="Remove" onEdit={() => setEditing(contact)} onDelete={() => setRemoving(contact)} />
          ) : null,
        ),
      );
    }
    return list;
    // mayEdit reads exactly these.
  }, [fields, userId, workspace, allWorkspaces]);

  const refresh = () => void utils.contacts.search.invalidate();

  return (
    <>
      <div className="page-header">
        <h1>Contacts</h1>
        <div className="toolbar">
          <WorkspacePicker organisation={organisation} area="contacts" workspace={workspace} />
          {mayCreate && props.toolbarExtra?.(workspace)}
          {workspace.role === 'admin' && !allWorkspaces && (
            <button type="button" className="button" onClick={() => setBulkConsent(true)}>
              Change consent…
            </button>
          )}
          {mayCreate && (
            <button type="button" className="button primary" onClick={() => setEditing('new')}>
              New contact
            </button>
          )}
        </div>
      </div>
      {workspace.role === 'viewer' && <p className="hint">You can view this workspace’s contacts; members and admins add and change them.</p>}
      {workspace.kind === 'global' && (
        <label className="checkbox view-switch">
          <input
            type="checkbox"
            checked={allWorkspaces}
            onChange={(e) => {
              setAllWorkspaces(e.target.checked);
              setFilters([]);
            }}
          />
          Every person of {organisation.name}, from all workspaces (read only)
        </label>
      )}
      <ErrorMessage error={fieldsError} />
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <FilterBar noun={NOUN.many} filterables={filterables} filters={filters} onChange={setFilters} />
      <RecordsList noun={NOUN} label="Contacts" filtered={filters.length > 0} query={contacts} columns={columns} />
      {editing && userId && (
        <ContactFormDialog
          workspace={workspace}
          fields={fields}
          contact={editing === 'new' ? null : editing}
          userId={userId}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            refresh();
          }}
        />
      )}
      {props.openContactId && !allWorkspaces && (
        <ContactRecordDialog workspace={workspace} contactId={props.openContactId} userId={userId} onClose={() => navigate(contactPath(organisation, workspace, null))} />
      )}
      {bulkConsent && (
        <BulkConsentDialog
          workspace={workspace}
          filters={filters}
          matching={contacts.data && !contacts.data.pages[0]?.totalIsEstimate ? (contacts.data.pages[0]?.total ?? null) : null}
          onClose={() => setBulkConsent(false)}
          onDone={(message) => {
            setBulkConsent(false);
            setNotice(message);
            refresh();
            void utils.consent.invalidate();
          }}
        />
      )}
      {removing && (
        <RemoveContactDialog
          workspace={workspace}
          contact={removing}
          onClose={() => setRemoving(null)}
          onRemoved={() => {
            setRemoving(null);
            refresh();
          }}
        />
      )}
    </>
  );
}
