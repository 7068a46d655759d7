import { z } from 'zod';
import { CONNECTED_APP_IDS } from './apps.js';

export const connectedAppSchema = z.enum(CONNECTED_APP_IDS);
export const appTargetInput = z.object({ app: connectedAppSchema });
export const connectAppInput = appTargetInput.extend({
  /** The console page to come back to after the app's consent screen (a path of this console). */
  returnTo: z.string().max(500).default('/'),
});

export const appConnectionOutput = z.object({
  id: z.string(),
  provider: z.string(),
  providerLabel: z.string(),
  account: z.string().nullable(),
  scopes: z.array(z.string()),
  status: z.enum(['connected', 'needs_reconnection']),
  failureReason: z.string().nullable(),
  failingSince: z.string().nullable(),
  accessExpiresAt: z.string().nullable(),
  lastRefreshedAt: z.string().nullable(),
  connectedAt: z.string(),
});
export const connectedAppsOutput = z.object({
  apps: z.array(z.object({ app: connectedAppSchema, label: z.string(), description: z.string(), available: z.boolean(), connection: appConnectionOutput.nullable() })),
});
export const connectStartedOutput = z.object({ authorizeUrl: z.string() });
export const disconnectedOutput = z.object({ app: connectedAppSchema, revoked: z.boolean(), message: z.string() });
