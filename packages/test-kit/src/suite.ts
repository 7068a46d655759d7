import { afterAll, beforeAll } from 'vitest';
import type { Db } from '@steward/db';
import { startTestApp, type TestApp } from './app.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { startFakeMailerSend, type FakeMailerSend } from './fake-mailersend.js';
import { startOidcServer, type OidcServer } from './oidc.js';
import { startFakeStripe, type FakeStripe } from './fake-stripe.js';
import { startOAuthProvider, type OAuthProvider } from './oauth-provider.js';
import { seedOrganisation, type SeededOrganisation } from './seed.js';

export interface StewardAppOptions {
  /** Run the background workers (emails) in the app; on by default, as in `startTestApp`. */
  workers?: boolean;
  /** Environment overrides for the app, applied after those of the fakes below. */
  env?: Record<string, string | undefined>;
  /** Seed an organisation of this name (with a chapter workspace and a signed-in admin) as `org`. */
  organisation?: string;
  /**
   * Start a fake MailerSend (`mailer`) and point the app at it. `{ apiKey }` is the key the
   * environment gives; `true` uses the fake's default.
   */
  fakeMailerSend?: boolean | { apiKey: string };
  /** Start a local OpenID Connect provider (`oidc`) and point Google sign-in at it. */
  fakeGoogle?: boolean;
  /** Start the Stripe stand-in (`stripe`), bill through it, and send its events to the app's webhook. */
  fakeStripe?: boolean;
  /** Start the OAuth provider stand-in (`oauth`) and point these providers (gmail, outlook, hubspot…) at it. */
  oauthProviders?: string[];
}

/** What `useStewardApp` set up for the file; each part can be read once `beforeAll` has run. */
export interface StewardApp {
  readonly database: TestDatabase;
  /** The app's database connection (the same as `database.db`). */
  readonly db: Db;
  readonly app: TestApp;
  readonly org: SeededOrganisation;
  readonly mailer: FakeMailerSend;
  readonly oidc: OidcServer;
  readonly stripe: FakeStripe;
  readonly oauth: OAuthProvider;
}

/**
 * Registers the `beforeAll`/`afterAll` hooks of a test file that runs against one app over a
 * fresh database: the database, the fakes asked for, the app, then the organisation. Teardown
 * runs in reverse order and undoes whatever was started, even when setup failed halfway.
 *
 *     const steward = useStewardApp({ workers: false, organisation: 'Acme' });
 *     it('…', async () => { await steward.org.admin.agent.trpc(…); });
 */
export function useStewardApp(options: StewardAppOptions = {}): StewardApp {
  const parts: Partial<Record<keyof StewardApp, unknown>> = {};
  const teardown: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const database = await createTestDatabase();
    teardown.push(() => database.drop());
    parts.database = database;
    parts.db = database.db;

    const env: Record<string, string | undefined> = {};
    if (options.fakeMailerSend) {
      const mailer = await startFakeMailerSend();
      teardown.push(() => mailer.close());
      parts.mailer = mailer;
      Object.assign(env, typeof options.fakeMailerSend === 'object' ? mailer.env(options.fakeMailerSend.apiKey) : mailer.env());
    }
    if (options.fakeStripe) {
      const stripe = await startFakeStripe();
      teardown.push(() => stripe.close());
      parts.stripe = stripe;
      Object.assign(env, stripe.env());
    }
    if (options.fakeGoogle) {
      const oidc = await startOidcServer();
      teardown.push(() => oidc.stop());
      parts.oidc = oidc;
      Object.assign(env, oidc.env());
    }
    if (options.oauthProviders) {
      const oauth = await startOAuthProvider();
      teardown.push(() => oauth.stop());
      parts.oauth = oauth;
      Object.assign(env, oauth.env(...options.oauthProviders));
    }

    const app = await startTestApp({ database, workers: options.workers, env: { ...env, ...options.env } });
    teardown.push(() => app.close());
    parts.app = app;
    if (options.fakeStripe) (parts.stripe as FakeStripe).setWebhookUrl(`${app.url}/webhooks/billing`);

    if (options.organisation !== undefined) parts.org = await seedOrganisation(app, options.organisation);
  });

  afterAll(async () => {
    const failures: unknown[] = [];
    for (const undo of teardown.splice(0).reverse()) {
      try {
        await undo();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, 'Tearing down the Steward test app failed');
  });

  const asked: Record<keyof StewardApp, string | undefined> = {
    database: undefined,
    db: undefined,
    app: undefined,
    org: options.organisation === undefined ? "pass `organisation: 'Name'` to useStewardApp to seed one" : undefined,
    mailer: options.fakeMailerSend ? undefined : 'pass `fakeMailerSend: true` to useStewardApp to start one',
    oidc: options.fakeGoogle ? undefined : 'pass `fakeGoogle: true` to useStewardApp to start one',
    stripe: options.fakeStripe ? undefined : 'pass `fakeStripe: true` to useStewardApp to start one',
    oauth: options.oauthProviders ? undefined : "pass `oauthProviders: ['gmail']` to useStewardApp to start one",
  };
  const handle = {} as StewardApp;
  for (const name of Object.keys(asked) as (keyof StewardApp)[]) {
    Object.defineProperty(handle, name, {
      enumerable: true,
      get() {
        if (asked[name] !== undefined) throw new Error(`steward.${name} was not set up: ${asked[name]}.`);
        if (!(name in parts)) throw new Error(`steward.${name} was read before useStewardApp's beforeAll ran (or after its setup failed); read it inside a test or hook.`);
        return parts[name];
      },
    });
  }
  return handle;
}
