import type { RouterOutputs } from '../../trpc';
import type { WorkspaceRole } from '../users/roleLabels';

export type Team = RouterOutputs['team']['list'];
export type TeamMember = Team['members'][number];

/** Seed 002's words for the workspace roles on a workspace's own team page ("editor" is the member role). */
export const TEAM_ROLE_LABELS: Record<WorkspaceRole, string> = { viewer: 'Viewer', member: 'Editor', admin: 'Admin' };
export const TEAM_ROLES = Object.keys(TEAM_ROLE_LABELS) as WorkspaceRole[];

export const REACH_LABELS: Record<Team['reachingIn'][number]['reason'], string> = {
  organisation_admin: 'Organisation administrator',
  global_role: 'Global role',
};
