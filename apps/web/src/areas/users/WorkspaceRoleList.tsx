import { ORG_ADMIN_WORKSPACE_ROLES, type OrgRole, WORKSPACE_ROLE_LABELS, type WorkspaceRole } from './roleLabels';

/**
 * A person's workspace roles in a table cell, for members and invitations alike. Organisation admins
 * are admins in every workspace, whatever roles are assigned; `workspaceName` names each assignment.
 */
export function WorkspaceRoleList<Assignment extends { workspaceId: string; role: WorkspaceRole }>(props: {
  orgRole: OrgRole;
  roles: Assignment[];
  workspaceName: (assignment: Assignment) => string;
}) {
  if (props.orgRole === 'admin') return ORG_ADMIN_WORKSPACE_ROLES;
  if (props.roles.length === 0) return <span className="muted">None</span>;
  return (
    <ul className="plain-list">
      {props.roles.map((assignment) => (
        <li key={assignment.workspaceId}>
          {props.workspaceName(assignment)}: {WORKSPACE_ROLE_LABELS[assignment.role]}
        </li>
      ))}
    </ul>
  );
}
