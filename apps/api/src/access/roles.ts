import type { OrgRole, WorkspaceRole } from '@steward/db';

const RANK: Record<WorkspaceRole, number> = { viewer: 1, member: 2, admin: 3 };

export function higherWorkspaceRole(a: WorkspaceRole | null, b: WorkspaceRole | null): WorkspaceRole | null {
  if (!a) return b;
  if (!b) return a;
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * Effective role in a workspace: the higher of the global role (the role in the global workspace)
 * and the role in this workspace. Organisation admins are admins everywhere.
 */
export function effectiveWorkspaceRole(input: {
  orgRole: OrgRole;
  globalRole: WorkspaceRole | null;
  workspaceRole: WorkspaceRole | null;
}): WorkspaceRole | null {
  if (input.orgRole === 'admin') return 'admin';
  return higherWorkspaceRole(input.globalRole, input.workspaceRole);
}
