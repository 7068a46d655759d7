import type { RouterInputs } from '../../trpc';

/** The server's key scopes (API_KEY_SCOPES in @steward/db), as the create procedure accepts them. */
export type ApiKeyScope = NonNullable<RouterInputs['apiKeys']['create']['scope']>;

/** Typed by the router, so a new scope fails the build until it has a label here. */
export const API_KEY_SCOPE_LABELS: Record<ApiKeyScope, string> = {
  read: 'Read only',
  read_write: 'Read and write records',
  admin: 'Admin (everything your role allows)',
};

export const API_KEY_SCOPES = Object.keys(API_KEY_SCOPE_LABELS) as ApiKeyScope[];
