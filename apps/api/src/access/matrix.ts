import { ORG_ROLES, type OrgRole, WORKSPACE_ROLES, type WorkspaceRole } from '@steward/db';

/**
 * SPEC §2, organisation axis: which organisation roles hold each permission.
 * This table is the only place that says who may do what; procedures name a permission.
 */
export const ORG_PERMISSIONS = {
  'organisation.view': ['admin', 'billing_admin', 'user_admin'],
  'organisation.edit': ['admin'],
  'billing.view': ['admin', 'billing_admin', 'user_admin'],
  'billing.manage': ['admin', 'billing_admin'],
  /** Cancel the subscription at the end of its period, or undo that (seed 001: admins only). */
  'billing.cancel': ['admin'],
  'organisation.delete': ['admin'],
  /** Invite and delete users whose organisation role is `member`. */
  'users.manageMembers': ['admin', 'user_admin'],
  /** Invite and delete users of any organisation role; change organisation roles. */
  'users.manageAnyRole': ['admin'],
  'users.assignWorkspaces': ['admin', 'user_admin'],
  'workspaces.manage': ['admin', 'user_admin'],
  /** Find one workspace by its slug (members only find those they have a role in). */
  'workspaces.lookup': ['admin', 'billing_admin', 'user_admin', 'member'],
  'integrations.manage': ['admin'],
  'fields.manageCore': ['admin'],
  'audit.view': ['admin'],
  /** Leave the organisation (refused to its last admin). */
  'organisation.leave': ['admin', 'billing_admin', 'user_admin', 'member'],
  /** Create, list and revoke one's own API keys for this organisation. */
  'apiKeys.manageOwn': ['admin', 'billing_admin', 'user_admin', 'member'],
  /** See and revoke everyone's API keys. */
  'apiKeys.manageAll': ['admin'],
  /** Read and mark one's own notifications; choose how one hears of organisation-wide events. */
  'notifications.own': ['admin', 'billing_admin', 'user_admin', 'member'],
} as const satisfies Record<string, readonly OrgRole[]>;

/** SPEC §2, workspace axis: which effective workspace roles hold each permission. */
export const WORKSPACE_PERMISSIONS = {
  'records.read': ['viewer', 'member', 'admin'],
  'records.create': ['member', 'admin'],
  'records.editOwn': ['member', 'admin'],
  'records.editAny': ['admin'],
  /**
   * A person's rights (GDPR Art. 15, 17): export everything about a contact, erase them. Not a
   * `records.` permission, so a read_write API key cannot erase: it takes an admin-scope key.
   */
  'personalData.manage': ['admin'],
  /** Choose how one hears of this workspace's events (one's own preferences only). */
  'notifications.preferences': ['viewer', 'member', 'admin'],
  /** Members, fields, categories, API keys, general settings, pipeline, inboxes… */
  'workspace.settings': ['admin'],
  /** Work an inbox's conversations: take in messages over the API, assign, reply, resolve. */
  'conversations.handle': ['member', 'admin'],
} as const satisfies Record<string, readonly WorkspaceRole[]>;

export type OrgPermission = keyof typeof ORG_PERMISSIONS;
export type WorkspacePermission = keyof typeof WORKSPACE_PERMISSIONS;

export function orgRoleCan(role: OrgRole, permission: OrgPermission): boolean {
  return (ORG_PERMISSIONS[permission] as readonly OrgRole[]).includes(role);
}

export function workspaceRoleCan(role: WorkspaceRole | null, permission: WorkspacePermission): boolean {
  return role !== null && (WORKSPACE_PERMISSIONS[permission] as readonly WorkspaceRole[]).includes(role);
}

/**
 * What a procedure needs. A workspace-scoped procedure is allowed by its workspace permission
 * (effective workspace role) or by its organisation permission (`orOrg`), whichever is given:
 * user admins edit and delete any workspace without being its admin.
 */
export type Access =
  | { scope: 'organisation'; permission: OrgPermission }
  | { scope: 'workspace'; permission: WorkspacePermission | undefined; orOrg: OrgPermission | undefined };

export { ORG_ROLES, WORKSPACE_ROLES };
