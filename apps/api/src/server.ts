import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import cookieParser from 'cookie-parser';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { type Db, sql } from '@steward/db';
import { readBearerKey } from './auth/api-keys.js';
import { csrfProtection } from './auth/csrf.js';
import { authRoutes } from './auth/routes.js';
import { createLucia, readSession, type StewardLucia } from './auth/sessions.js';
import { type Config, REPO_ROOT } from './config.js';
import type { Logger } from './logger.js';
import type { JobQueue } from './email/jobs.js';
import type { Keyring } from './secrets.js';
import { appRouter } from './router.js';
import { rateLimit } from './rate-limit.js';
import { apiKeyRateLimit, openApiDocument, REST_BASE_PATH, restApi } from './rest.js';
import { apiDocs } from './api-docs.js';
import { MCP_PATH, mcpEndpoint } from './mcp.js';
import { workspaceLogoRoute } from './areas/workspaces/logo-route.js';
import { unsubscribeRoutes } from './areas/unsubscribe/routes.js';
import { contactImportFiles } from './areas/records/import/routes.js';
import { createMetrics, metricsRoute } from './metrics.js';
import { CALLBACK_PATH, oauthCallbackRoute } from './oauth-connect/index.js';
import { twilioWebhookRoutes } from './areas/conversations/twilio-webhook.js';
import type { Context } from './trpc.js';
import { BILLING_WEBHOOK_PATH, billingWebhookRoute } from './areas/billing/webhook-route.js';
import { useSuppressionKey } from './areas/data-rights/suppression.js';

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
  }
}

export const CONSOLE_DIR = path.join(REPO_ROOT, 'apps/web/dist');
const HEALTH_TIMEOUT_MS = 2_000;

export async function databaseIsReachable(db: Db): Promise<boolean> {
  const probe = sql`select 1`.execute(db).then(
    () => true,
    () => false,
  );
  const timeout = new Promise<boolean>((resolve) => setTimeout(resolve, HEALTH_TIMEOUT_MS, false).unref());
  return Promise.race([probe, timeout]);
}

export interface AppDependencies {
  config: Config;
  db: Db;
  logger: Logger;
  jobs: JobQueue;
  keyring: Keyring;
  consoleDir?: string;
}

export function createApp({ config, db, logger, jobs, keyring, consoleDir = CONSOLE_DIR }: AppDependencies): { app: express.Express; lucia: StewardLucia } {
  const lucia = createLucia(db, config);
  useSuppressionKey(config.suppressionKey);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);

  const restDocument = openApiDocument(config);
  const metrics = createMetrics({ db, jobs, restPaths: Object.keys(restDocument.paths ?? {}) });
  app.use(metrics.measure);
  app.get('/metrics', metricsRoute(metrics.registry, config.metricsToken));

  app.use((req, res, next) => {
    req.requestId = randomUUID();
    res.set('X-Request-Id', req.requestId);
    next();
  });
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'https:'],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'", ...(config.google ? [new URL(config.google.issuer).origin] : [])],
          upgradeInsecureRequests: config.secureCookies ? [] : null,
        },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
      strictTransportSecurity: config.secureCookies,
    }),
  );

  // In development, http://127.0.0.1:3000 and http://localhost:3000 are different origins to the
  // browser: sign-in cookies and the CSRF check belong to PUBLIC_URL's, so pages go there.
  if (config.env !== 'production') {
    app.use((req, res, next) => {
      const page = (req.method === 'GET' || req.method === 'HEAD') && !/^\/(api|trpc|mcp|healthz|workspace-logos)(\/|$)/.test(req.path);
      if (!page || req.get('host') === config.publicUrl.host) return next();
      res.redirect(302, `${config.publicUrl.origin}${req.originalUrl}`);
    });
  }

  app.get('/healthz', async (_req, res) => {
    const up = await databaseIsReachable(db);
    res.status(up ? 200 : 503).json({ status: up ? 'ok' : 'unavailable', database: up ? 'up' : 'down' });
  });

  // Campaign emails' links and MailerSend's webhooks: signed, cookie-less, before the CSRF check.
  app.use(unsubscribeRoutes({ db, config, keyring, logger }));
  // Twilio signs its requests (X-Twilio-Signature) and sends no cookie: before the CSRF check.
  app.use(twilioWebhookRoutes({ db, config, keyring, logger, jobs }));
  // The billing provider signs the exact bytes it sends: its route reads the body raw, before any parser.
  app.use(BILLING_WEBHOOK_PATH, billingWebhookRoute({ db, config, logger }));
  app.use(cookieParser());
  app.use(csrfProtection(config.publicUrl.origin));
  // CSV files stream into PostgreSQL, so they pass before the JSON body parser and its 1 MB cap.
  app.use('/files/contact-imports', contactImportFiles({ db, config, logger, lucia }));
  // One body cap for every route (tRPC reads the parsed body when there is one).
  app.use(express.json({ limit: '1mb' }));
  app.use('/auth', authRoutes({ db, config, lucia, logger }));
  app.get(CALLBACK_PATH, oauthCallbackRoute({ db, config, keyring, logger, lucia }));

  // Invitation tokens are guessable only by brute force; cap attempts per address.
  const invitationLimit = rateLimit(db, { name: 'invitation', windowMs: 60_000, max: config.signInRateLimitPerMinute });
  app.use('/trpc', (req, res, next) => (/invitations\.(accept|preview)/.test(req.path) ? invitationLimit(req, res, next) : next()));
  // Keys calling tRPC directly (the typed client) get the same limits as on REST.
  const keyLimit = apiKeyRateLimit(config, db);
  app.use('/trpc', (req, res, next) => (req.get('authorization') ? keyLimit(req, res, next) : next()));

  /** Who is calling, resolved once per request: a bearer key (never with cookies) or the session. */
  async function resolveCaller(req: Request, res: Response): Promise<Context> {
    const base = { db, config, logger, jobs, keyring, requestId: req.requestId, ip: req.ip ?? null };
    const authorization = req.get('authorization');
    // With an Authorization header the cookie is never read (the CSRF check relies on it).
    if (authorization) {
      const bearer = readBearerKey(authorization);
      if (!bearer) return { ...base, user: null, apiKey: null, sessionId: null, authError: 'Send the API key as "Authorization: Bearer pai_…".' };
      // Checked by the procedure, which knows the workspace the call is about (see authedProcedure).
      return { ...base, user: null, apiKey: null, sessionId: null, authError: null, bearer: { key: bearer, checked: new Map() } };
    }
    const session = await readSession(lucia, req.get('cookie'));
    if (session.setCookie) res.append('Set-Cookie', session.setCookie);
    return { ...base, user: session.user, apiKey: null, sessionId: session.sessionId, authError: null };
  }

  app.use(
    '/trpc',
    createExpressMiddleware({
      router: appRouter,
      maxBatchSize: config.trpcMaxBatchSize,
      createContext: ({ req, res }) => resolveCaller(req, res),
      onError({ error, path: procedure, req }) {
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          logger.error('Procedure failed', { procedure, requestId: (req as Request).requestId, error: error.cause ?? error });
        }
      },
    }),
  );

  app.get('/workspace-logos/:workspaceId', workspaceLogoRoute(db, lucia));
  app.use(REST_BASE_PATH, restApi({ config, db, logger, document: restDocument, resolveCaller }));
  app.use('/api/docs', apiDocs());
  app.use(MCP_PATH, mcpEndpoint({ config, db, logger, resolveCaller }));

  app.use(['/api', '/trpc', '/auth'], (_req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: 'There is nothing at this address.' } });
  });

  if (existsSync(path.join(consoleDir, 'index.html'))) {
    app.use(express.static(consoleDir, { index: false, maxAge: '1h' }));
    // Every other GET is a console route; the console's router takes it from there.
    app.get('/{*path}', (_req, res) => {
      res.set('Cache-Control', 'no-cache').sendFile(path.join(consoleDir, 'index.html'));
    });
  } else {
    app.get('/', (_req, res) => {
      res.type('text').send('The console is not built. Run `npm start` (it builds apps/web first).');
    });
  }

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500;
    if (status >= 500) logger.error('Request failed', { requestId: req.requestId, path: req.path, error });
    const message =
      status === 413 ? 'The request body is too large.' : status < 500 ? 'The request could not be read.' : `Something went wrong on our side (request ${req.requestId}).`;
    res.status(status).json({ error: { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR', message } });
  });

  return { app, lucia };
}
