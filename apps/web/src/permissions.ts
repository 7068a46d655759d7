import type { Organisation } from './Layout';

/** An organisation permission name, as the server's matrix spells it. */
export type OrgPermission = Organisation['permissions'][number];

/** Whether the signed-in person holds `permission` in `organisation` (the server still decides). */
export function can(organisation: Organisation, permission: OrgPermission): boolean {
  return organisation.permissions.includes(permission);
}
