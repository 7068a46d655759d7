import { trpc } from '../../trpc';
import { type FieldEntity, orderedFields } from '../fields/fieldLabels';
import type { WorkspaceEntry } from './WorkspacePicker';

/** Members and admins add records; viewers only read (SPEC §2). The server decides again. */
export const mayCreateRecords = (workspace: WorkspaceEntry) => workspace.role === 'member' || workspace.role === 'admin';

/**
 * Whether to offer Edit and Delete on a record: admins may change any record, members those they
 * created or are assigned (or own, for deals), going by what the server returned for the row.
 */
export function mayEditRecord(workspace: WorkspaceEntry, userId: string | undefined, row: { createdBy: string | null; assigneeUserId?: string | null; ownerUserId?: string | null }): boolean {
  if (workspace.role === 'admin') return true;
  if (workspace.role !== 'member' || !userId) return false;
  return row.createdBy === userId || row.assigneeUserId === userId || row.ownerUserId === userId;
}

/** The custom fields a record of this entity has in the workspace, in the order the fields page shows. */
export function useRecordFields(workspaceId: string, entity: FieldEntity) {
  const query = trpc.fields.list.useQuery({ workspaceId, entity });
  return { ...query, fields: orderedFields(query.data ?? []) };
}
