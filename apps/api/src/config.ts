import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { loadOAuthProviders, OAuthConfigError, type OAuthProviderConfigs } from './oauth-connect/providers.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** Every environment variable Steward reads. README lists the same table. */
const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATABASE_URL: optionalString,
  STEWARD_DATA_DIR: optionalString,
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  GOOGLE_CLIENT_ID: optionalString,
  GOOGLE_CLIENT_SECRET: optionalString,
  GOOGLE_ISSUER: z.url().default('https://accounts.google.com'),
  STEWARD_DEV_SIGN_IN: z.enum(['auto', 'on', 'off']).default('auto'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  TRPC_MAX_BATCH_SIZE: z.coerce.number().int().min(1).max(100).default(20),
  STEWARD_BOOTSTRAP_DEMO: z.enum(['auto', 'off']).default('auto'),
  MAILERSEND_API_KEY: optionalString,
  MAILERSEND_FROM_EMAIL: z.email().default('steward@example.com'),
  MAILERSEND_FROM_NAME: z.string().trim().min(1).max(100).default('Steward'),
  MAILERSEND_BASE_URL: z.url().default('https://api.mailersend.com/v1'),
  /** Bulk requests a minute per MailerSend account, shared by every worker; 0 lifts the limit. */
  MAILERSEND_BULK_REQUESTS_PER_MINUTE: z.coerce.number().min(0).max(6000).default(10),
  EMAIL_RETRY_LIMIT: z.coerce.number().int().min(0).max(20).default(5),
  EMAIL_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  STEWARD_SECRET_KEY: optionalString,
  STEWARD_SECRET_KEYS_PREVIOUS: optionalString,
  /** HMAC key of the suppression list of erased people's addresses (32 bytes, base64); never rotate it. */
  STEWARD_SUPPRESSION_KEY: optionalString,
  /** Keys that sign the unsubscribe links (and logo addresses) of campaign emails: `id:base64,id:base64`, the first signs. */
  EMAIL_LINK_SIGNING_KEYS: optionalString,
  /** Signing secrets of the MailerSend webhooks (unsubscribes, spam complaints), comma-separated. */
  MAILERSEND_WEBHOOK_SECRETS: optionalString,
  TRUST_PROXY: optionalString,
  REST_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  SIGN_IN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  JOB_POLLING_INTERVAL_SECONDS: z.coerce.number().min(0.5).max(60).default(2),
  METRICS_TOKEN: optionalString,
  /** Billing through Stripe; without these every organisation runs on the unlimited Self-hosted plan. */
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  /** Where the Stripe API is (a stand-in in tests); Stripe's own by default. */
  STRIPE_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Outgoing webhooks: retries after a failed attempt (each delay doubles from the first, up to the maximum). */
  WEBHOOK_RETRY_LIMIT: z.coerce.number().int().min(0).max(20).default(10),
  WEBHOOK_RETRY_DELAY_SECONDS: z.coerce.number().min(0.1).max(3600).default(30),
  WEBHOOK_RETRY_DELAY_MAX_SECONDS: z.coerce.number().min(1).max(86_400).default(7200),
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().min(1).max(60).default(10),
  /** A subscription is turned off after this many deliveries in a row failed every attempt. */
  WEBHOOK_DISABLE_AFTER_FAILED_DELIVERIES: z.coerce.number().int().min(1).max(1000).default(5),
  /** `refuse`: no private, loopback or link-local targets (SSRF guard). Default: refuse in production, allow otherwise. */
  WEBHOOK_PRIVATE_TARGETS: z.enum(['allow', 'refuse']).optional(),
  /** `refuse`: an AI provider's base URL may not be a private, loopback or link-local address (SSRF guard). Default: refuse in production, allow otherwise. */
  AI_PRIVATE_BASE_URLS: z.enum(['allow', 'refuse']).optional(),
  /** Where the Twilio client sends its requests (a local stand-in in tests); unset: Twilio's own hosts. */
  TWILIO_API_BASE_URL: z.url().optional(),
  /** Where Gmail and Microsoft Graph are, for replies through Gmail/Outlook channels (stand-ins in tests). */
  GMAIL_API_BASE_URL: z.url().default('https://gmail.googleapis.com'),
  MICROSOFT_GRAPH_BASE_URL: z.url().default('https://graph.microsoft.com'),
});

export type Environment = z.infer<typeof environmentSchema>;

export interface Config {
  /** The AI platform (areas/ai): whether a base URL may point into the private network (a model server of one's own). */
  ai: { allowPrivateBaseUrls: boolean };
  env: Environment['NODE_ENV'];
  port: number;
  /** Origin the console is served from; CSRF checks and OAuth redirects use it. */
  publicUrl: URL;
  secureCookies: boolean;
  databaseUrl: string | undefined;
  dataDir: string;
  statementTimeoutMs: number;
  google: { clientId: string; clientSecret: string; issuer: string } | null;
  devSignIn: boolean;
  logLevel: Environment['LOG_LEVEL'];
  trpcMaxBatchSize: number;
  bootstrapDemo: boolean;
  mailersend: { apiKey: string | null; fromEmail: string; fromName: string; baseUrl: string; bulkRequestsPerMinute: number };
  jobs: { retryLimit: number; retryDelaySeconds: number; pollingIntervalSeconds: number };
  /** Express's `trust proxy`: which proxies may set X-Forwarded-For (per-IP limits, audit IPs). */
  trustProxy: boolean | number | string;
  /** Requests per minute per API key on the REST surface. */
  restRateLimitPerMinute: number;
  secretKey: string | undefined;
  previousSecretKeys: string[];
  /**
   * HMAC key of the suppression list (areas/data-rights/suppression.ts). Outside production a fixed
   * development key when unset. Changing it forgets every erased address: never rotate it.
   */
  suppressionKey: Buffer;
  /**
   * Keys signing the links in campaign emails, the first signing and every one verifying (so a key
   * can rotate). Empty outside production when unset: a key is then derived from the secret keyring.
   */
  emailLinkKeys: { id: string; key: Buffer }[];
  /** Signing secrets of the MailerSend webhooks; empty: the webhook route refuses every request. */
  mailersendWebhookSecrets: string[];
  /** Per-IP attempts per minute at sign-in and invitation acceptance. */
  signInRateLimitPerMinute: number;
  /** Bearer token that `/metrics` asks for; unset: no metrics are served. */
  metricsToken: string | undefined;
  /** The billing provider; null on a self-hosted install (the unlimited Self-hosted plan). */
  billing: { provider: 'stripe'; secretKey: string; webhookSecret: string; apiUrl: URL | null } | null;
  /** Outgoing webhooks (areas/webhooks): retries, timeout, automatic disabling, SSRF guard. */
  webhooks: { retryLimit: number; retryDelaySeconds: number; retryDelayMaxSeconds: number; timeoutSeconds: number; disableAfterFailedDeliveries: number; allowPrivateTargets: boolean };
  /** OAuth providers for channels and connected apps (OAUTH_<PROVIDER>_*; see oauth-connect/providers.ts). */
  oauthProviders: OAuthProviderConfigs;
  twilio: { apiBaseUrl: string | null };
  mailApis: { gmailBaseUrl: string; graphBaseUrl: string };
}

export class ConfigError extends Error {}

/** The suppression list's key outside production when none is set (never accepted in production). */
export const DEVELOPMENT_SUPPRESSION_KEY = createHash('sha256').update('steward development suppression key').digest();

export function loadConfig(source: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env): Config {
  const parsed = environmentSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigError(`Invalid environment:\n${problems}`);
  }
  const e = parsed.data;
  const publicUrl = new URL(e.PUBLIC_URL ?? `http://localhost:${e.PORT}`);
  const google =
    e.GOOGLE_CLIENT_ID && e.GOOGLE_CLIENT_SECRET
      ? { clientId: e.GOOGLE_CLIENT_ID, clientSecret: e.GOOGLE_CLIENT_SECRET, issuer: e.GOOGLE_ISSUER }
      : null;
  if ((e.GOOGLE_CLIENT_ID === undefined) !== (e.GOOGLE_CLIENT_SECRET === undefined)) {
    throw new ConfigError('Set both GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET, or neither.');
  }
  const production = e.NODE_ENV === 'production';
  const devSignIn = e.STEWARD_DEV_SIGN_IN === 'on' || (e.STEWARD_DEV_SIGN_IN === 'auto' && !google && !production);
  if (production && devSignIn) {
    throw new ConfigError('Development sign-in cannot be enabled in production (STEWARD_DEV_SIGN_IN=on).');
  }
  if (production && !google) {
    throw new ConfigError('Production needs Google sign-in: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET.');
  }
  if (production && !e.STEWARD_SECRET_KEY) {
    throw new ConfigError('Production needs STEWARD_SECRET_KEY (32 bytes, base64) to encrypt stored credentials.');
  }
  for (const [name, value] of [['STEWARD_SECRET_KEY', e.STEWARD_SECRET_KEY], ...(e.STEWARD_SECRET_KEYS_PREVIOUS ?? '').split(',').filter(Boolean).map((v) => ['STEWARD_SECRET_KEYS_PREVIOUS', v])]) {
    if (value && Buffer.from(value.trim(), 'base64').length !== 32) throw new ConfigError(`${name} must be 32 bytes, base64-encoded (e.g. \`openssl rand -base64 32\`).`);
  }
  const emailLinkKeys = parseLinkKeys(e.EMAIL_LINK_SIGNING_KEYS);
  if (production && emailLinkKeys.length === 0) {
    throw new ConfigError('Production needs EMAIL_LINK_SIGNING_KEYS (e.g. `k1:` followed by `openssl rand -base64 32`) to sign the unsubscribe links of campaign emails.');
  }
  if (production && !e.STEWARD_SUPPRESSION_KEY) {
    throw new ConfigError('Production needs STEWARD_SUPPRESSION_KEY (32 bytes, base64) to keep the addresses of erased people on the suppression list.');
  }
  const suppressionKey = e.STEWARD_SUPPRESSION_KEY ? Buffer.from(e.STEWARD_SUPPRESSION_KEY, 'base64') : DEVELOPMENT_SUPPRESSION_KEY;
  if (suppressionKey.length !== 32) throw new ConfigError('STEWARD_SUPPRESSION_KEY must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`).');
  if ((e.STRIPE_SECRET_KEY === undefined) !== (e.STRIPE_WEBHOOK_SECRET === undefined)) {
    throw new ConfigError('Set both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (billing through Stripe), or neither (a self-hosted install).');
  }
  if (production && publicUrl.protocol !== 'https:') {
    throw new ConfigError('Production needs an https PUBLIC_URL.');
  }
  let oauthProviders: OAuthProviderConfigs;
  try {
    oauthProviders = loadOAuthProviders(source);
  } catch (error) {
    if (error instanceof OAuthConfigError) throw new ConfigError(error.message);
    throw error;
  }
  return {
    env: e.NODE_ENV,
    oauthProviders,
    twilio: { apiBaseUrl: e.TWILIO_API_BASE_URL ?? null },
    mailApis: { gmailBaseUrl: e.GMAIL_API_BASE_URL, graphBaseUrl: e.MICROSOFT_GRAPH_BASE_URL },
    port: e.PORT,
    publicUrl,
    secureCookies: publicUrl.protocol === 'https:',
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.STEWARD_DATA_DIR ?? path.join(REPO_ROOT, '.data')),
    statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    google,
    devSignIn,
    logLevel: e.LOG_LEVEL,
    trpcMaxBatchSize: e.TRPC_MAX_BATCH_SIZE,
    bootstrapDemo: e.STEWARD_BOOTSTRAP_DEMO === 'auto' && !production,
    mailersend: {
      apiKey: e.MAILERSEND_API_KEY ?? null,
      fromEmail: e.MAILERSEND_FROM_EMAIL,
      fromName: e.MAILERSEND_FROM_NAME,
      baseUrl: e.MAILERSEND_BASE_URL,
      bulkRequestsPerMinute: e.MAILERSEND_BULK_REQUESTS_PER_MINUTE,
    },
    signInRateLimitPerMinute: e.SIGN_IN_RATE_LIMIT_PER_MINUTE,
    metricsToken: e.METRICS_TOKEN,
    billing:
      e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET
        ? { provider: 'stripe', secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, apiUrl: e.STRIPE_API_URL ? new URL(e.STRIPE_API_URL) : null }
        : null,
    webhooks: {
      retryLimit: e.WEBHOOK_RETRY_LIMIT,
      retryDelaySeconds: e.WEBHOOK_RETRY_DELAY_SECONDS,
      retryDelayMaxSeconds: e.WEBHOOK_RETRY_DELAY_MAX_SECONDS,
      timeoutSeconds: e.WEBHOOK_TIMEOUT_SECONDS,
      disableAfterFailedDeliveries: e.WEBHOOK_DISABLE_AFTER_FAILED_DELIVERIES,
      allowPrivateTargets: (e.WEBHOOK_PRIVATE_TARGETS ?? (production ? 'refuse' : 'allow')) === 'allow',
    },
    ai: { allowPrivateBaseUrls: (e.AI_PRIVATE_BASE_URLS ?? (production ? 'refuse' : 'allow')) === 'allow' },
    restRateLimitPerMinute: e.REST_RATE_LIMIT_PER_MINUTE,
    trustProxy: e.TRUST_PROXY === undefined || e.TRUST_PROXY === 'false' ? false : e.TRUST_PROXY === 'true' ? true : /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY,
    secretKey: e.STEWARD_SECRET_KEY,
    suppressionKey,
    previousSecretKeys: (e.STEWARD_SECRET_KEYS_PREVIOUS ?? '').split(',').map((k) => k.trim()).filter(Boolean),
    emailLinkKeys,
    mailersendWebhookSecrets: (e.MAILERSEND_WEBHOOK_SECRETS ?? '').split(',').map((k) => k.trim()).filter(Boolean),
    jobs: {
      retryLimit: e.EMAIL_RETRY_LIMIT,
      retryDelaySeconds: e.EMAIL_RETRY_DELAY_SECONDS,
      pollingIntervalSeconds: e.JOB_POLLING_INTERVAL_SECONDS,
    },
  };
}

/** `id:base64key,id:base64key` — ids of letters, digits, `_` or `-`; keys of at least 32 bytes; ids unique. */
function parseLinkKeys(value: string | undefined): { id: string; key: Buffer }[] {
  const keys = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [id, key, ...rest] = entry.split(':');
      const bytes = Buffer.from(key ?? '', 'base64');
      if (!id || !/^[A-Za-z0-9_-]{1,24}$/.test(id) || rest.length > 0 || bytes.length < 32) {
        throw new ConfigError('EMAIL_LINK_SIGNING_KEYS must be `id:key` pairs separated by commas: an id of up to 24 letters, digits, _ or -, and a key of at least 32 bytes, base64-encoded (e.g. `k1:$(openssl rand -base64 32)`).');
      }
      return { id, key: bytes };
    });
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new ConfigError('EMAIL_LINK_SIGNING_KEYS names the same key id twice.');
  return keys;
}
