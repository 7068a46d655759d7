import type { WorkspaceRole } from '@steward/db';
import { workspaceRoleCan } from '../../access/matrix.js';
import { AppError } from '../../errors.js';
import type { ValuesProblem } from './values.js';

/** SPEC §2: members change what they created or are assigned (owners of deals too); admins anything. */
export function assertMayEdit(
  caller: { userId: string; role: WorkspaceRole | null },
  owner: { created_by: string | null; assignee_user_id?: string | null; owner_user_id?: string | null },
) {
  if (workspaceRoleCan(caller.role, 'records.editAny')) return;
  if (owner.created_by === caller.userId || owner.assignee_user_id === caller.userId || owner.owner_user_id === caller.userId) return;
  throw new AppError('FORBIDDEN', 'Members can change only the records they created or are assigned to.');
}

/** One 400 that names every field and its problem. */
export const refuse = (problems: ValuesProblem[]) => new AppError('BAD_REQUEST', problems.map((p) => p.message).join(' '));
