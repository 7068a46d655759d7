import { useEffect, useState } from 'react';
import type { Limits, Organisation } from '../../Layout';
import { can } from '../../permissions';
import { trpc } from '../../trpc';
import { Avatar } from '../../ui/Avatar';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { formatDateTime } from '../../ui/formatDate';
import { Pager } from '../../ui/Pager';
import { ActionsColumnHeader } from '../../ui/Table';
import { useDebouncedValue } from '../../ui/useDebouncedValue';
import { DevOutboxPanel } from './DevOutboxPanel';
import { InviteDialog } from './InviteDialog';
import { PendingInvitations } from './PendingInvitations';
import { ORG_ROLE_LABELS, ORG_ROLES, type OrgRole } from './roleLabels';
import type { Member } from './types';
import { WorkspaceRoleList } from './WorkspaceRoleList';
import { WorkspaceRolesDialog } from './WorkspaceRolesDialog';

const PAGE_SIZE = 25;

/** SPEC §3 Users & invitations: members, pending invitations, invite, roles, remove. */
export function UsersPage({ organisation, limits }: { organisation: Organisation; limits: Limits }) {
  const organisationId = organisation.id;
  const me = trpc.me.useQuery();
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const settledSearch = useDebouncedValue(search.trim());
  const users = trpc.users.list.useQuery(
    { organisationId, search: settledSearch || undefined, page, pageSize: PAGE_SIZE },
    {
      placeholderData: (previous) => previous,
      // While an invitation email is on its way, keep its status current.
      refetchInterval: (query) =>
        query.state.data?.invitations.some((i) => i.emailStatus === 'queued' || i.emailStatus === 'retrying') ? 2000 : false,
    },
  );
  const workspaces = trpc.workspaces.list.useQuery({ organisationId });
  const utils = trpc.useUtils();
  const refresh = () => Promise.all([utils.users.list.invalidate(), utils.workspaces.list.invalidate()]);

  const [inviting, setInviting] = useState(false);
  const [roleChange, setRoleChange] = useState<{ member: Member; orgRole: OrgRole } | null>(null);
  const [editingRolesOf, setEditingRolesOf] = useState<Member | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);

  const changeOrgRole = trpc.users.changeOrgRole.useMutation({
    onSuccess: (_, input) => {
      setRoleChange(null);
      void refresh();
      // One's own role decides what the console offers (areas, buttons), and that comes from `me`.
      if (input.userId === me.data?.user.id) void utils.me.invalidate();
    },
  });
  const remove = trpc.users.remove.useMutation({ onSuccess: () => { setRemoving(null); void refresh(); } });

  const mayManageMembers = can(organisation, 'users.manageMembers');
  const mayManageAnyRole = can(organisation, 'users.manageAnyRole');
  const mayAssignWorkspaces = can(organisation, 'users.assignWorkspaces');
  const myUserId = me.data?.user.id;

  const data = users.data;
  // A page emptied by a removal (e.g. the only member on the last page) gives way to the new last page.
  const lastPage = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  useEffect(() => {
    if (data?.page === page && page > lastPage) setPage(lastPage);
  }, [data, page, lastPage]);

  return (
    <>
      <div className="page-header">
        <h1>Users</h1>
        {mayManageMembers && (
          <button type="button" className="button primary" onClick={() => setInviting(true)}>
            Invite people
          </button>
        )}
      </div>
      <div className="search">
        <label htmlFor="users-search">Search users</label>
        <input
          id="users-search"
          type="search"
          value={search}
          placeholder="Name or email"
          onChange={(event) => {
            setSearch(event.target.value);
            setPage(1);
          }}
        />
      </div>
      <ErrorMessage error={users.error} />

      <section aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        {users.isPending ? (
          <p className="loading">Loading…</p>
        ) : data && data.members.length === 0 ? (
          <p className="muted">{settledSearch ? `No members match “${settledSearch}”.` : 'No members yet.'}</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Organisation role</th>
                <th scope="col">Workspace roles</th>
                <th scope="col">Last sign-in</th>
                <ActionsColumnHeader />
              </tr>
            </thead>
            <tbody>
              {data?.members.map((member) => {
                const isMe = member.userId === myUserId;
                const mayRemove = mayManageMembers && !isMe && (mayManageAnyRole || member.orgRole === 'member');
                return (
                  <tr key={member.userId}>
                    <td>
                      <span className="person">
                        <Avatar name={member.name} url={member.avatarUrl} />
                        {member.name}
                        {isMe && <small className="muted">(you)</small>}
                      </span>
                    </td>
                    <td>{member.email}</td>
                    <td>
                      {mayManageAnyRole ? (
                        <select
                          aria-label={`Organisation role of ${member.name}`}
                          value={member.orgRole}
                          onChange={(event) => setRoleChange({ member, orgRole: event.target.value as OrgRole })}
                        >
                          {ORG_ROLES.map((role) => (
                            <option key={role} value={role}>
                              {ORG_ROLE_LABELS[role]}
                            </option>
                          ))}
                        </select>
                      ) : (
                        ORG_ROLE_LABELS[member.orgRole]
                      )}
                    </td>
                    <td>
                      <WorkspaceRoleList
                        orgRole={member.orgRole}
                        roles={member.workspaceRoles}
                        workspaceName={(w) => (w.workspaceKind === 'global' ? `Global role (${w.workspaceName})` : w.workspaceName)}
                      />
                    </td>
                    <td>{member.lastSignInAt ? formatDateTime(member.lastSignInAt) : <span className="muted">Never</span>}</td>
                    <td className="actions">
                      {mayAssignWorkspaces && (
                        <button type="button" className="button small" onClick={() => setEditingRolesOf(member)}>
                          Edit workspace roles
                        </button>
                      )}
                      {mayRemove && (
                        <button type="button" className="button small danger" onClick={() => setRemoving(member)}>
                          Remove
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <Pager label="Members pages" page={page} result={data} onPageChange={setPage} />
      </section>

      {data && (
        <PendingInvitations
          organisation={organisation}
          invitations={data.invitations}
          workspaces={workspaces.data ?? []}
          onChanged={() => void refresh()}
        />
      )}

      {mayManageMembers && <DevOutboxPanel organisationId={organisationId} />}

      {inviting && (
        <InviteDialog
          organisation={organisation}
          workspaces={workspaces.data ?? []}
          maxWorkspaces={limits.maxWorkspacesPerInvitation}
          onClose={() => setInviting(false)}
          onInvited={() => {
            setInviting(false);
            void refresh();
          }}
        />
      )}
      {editingRolesOf && (
        <WorkspaceRolesDialog
          organisationId={organisationId}
          member={editingRolesOf}
          workspaces={workspaces.data ?? []}
          onClose={() => setEditingRolesOf(null)}
          onSaved={() => {
            setEditingRolesOf(null);
            void refresh();
          }}
        />
      )}
      {roleChange && (
        <ConfirmDialog
          title="Change organisation role"
          confirmLabel="Change role"
          mutation={changeOrgRole}
          onCancel={() => setRoleChange(null)}
          onConfirm={() => changeOrgRole.mutate({ organisationId, userId: roleChange.member.userId, orgRole: roleChange.orgRole })}
        >
          <p>
            Change {roleChange.member.name}’s organisation role from <strong>{ORG_ROLE_LABELS[roleChange.member.orgRole]}</strong> to{' '}
            <strong>{ORG_ROLE_LABELS[roleChange.orgRole]}</strong>?
          </p>
        </ConfirmDialog>
      )}
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name}`}
          confirmLabel="Remove from organisation"
          mutation={remove}
          onCancel={() => setRemoving(null)}
          onConfirm={() => remove.mutate({ organisationId, userId: removing.userId })}
        >
          <p>
            {removing.name} ({removing.email}) loses access to {organisation.name} and all its workspaces. Their assigned contacts become
            unassigned and their API keys for this organisation are revoked.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
