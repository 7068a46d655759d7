import type { RouterOutputs } from '../../trpc';

export type UsersList = RouterOutputs['users']['list'];
export type Member = UsersList['members'][number];
export type Invitation = UsersList['invitations'][number];
export type Workspace = RouterOutputs['workspaces']['list'][number];
