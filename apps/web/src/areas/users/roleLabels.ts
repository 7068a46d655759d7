import type { RouterInputs } from '../../trpc';

export type OrgRole = RouterInputs['users']['changeOrgRole']['orgRole'];
export type WorkspaceRole = RouterInputs['users']['setWorkspaceRoles']['workspaces'][number]['role'];

/** Labels for the server's organisation roles; typed by the router, so a new role fails the build until labelled. */
export const ORG_ROLE_LABELS: Record<OrgRole, string> = {
  admin: 'Administrator',
  billing_admin: 'Billing administrator',
  user_admin: 'User administrator',
  member: 'Member',
};

export const WORKSPACE_ROLE_LABELS: Record<WorkspaceRole, string> = {
  viewer: 'Viewer',
  member: 'Member',
  admin: 'Admin',
};

export const ORG_ROLES = Object.keys(ORG_ROLE_LABELS) as OrgRole[];
export const WORKSPACE_ROLES = Object.keys(WORKSPACE_ROLE_LABELS) as WorkspaceRole[];

/** What an organisation admin's workspace roles read as: their effective role is admin everywhere. */
export const ORG_ADMIN_WORKSPACE_ROLES = 'Admin of every workspace';
