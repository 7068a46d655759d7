import express, { type Request, type Response } from 'express';
import type { Db } from '@steward/db';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { Keyring } from '../../secrets.js';
import { savedWebhookSecrets } from '../integrations/mailersend-settings.js';
import { matchMailerSendSignature, readOptOutEvent } from './mailersend-webhook.js';
import { goneContactPage, invalidLinkPage, preferencesPage } from './page.js';
import { linkKeys, verifyLogo, verifyUnsubscribeToken } from './tokens.js';
import { applyProviderOptOut, oneClickUnsubscribe, readPreferenceForm, readPreferences, savePreferences } from './unsubscribe.js';

/**
 * The public routes of campaign emails, outside /trpc and /api, mounted before the cookie parser
 * and the CSRF check: no cookie is read, and the signed token (or the webhook's signature) is the
 * only proof asked for.
 * - `GET /unsubscribe/:token` — the page of choices; reading it changes nothing.
 * - `POST /unsubscribe/:token` with `List-Unsubscribe=One-Click` (RFC 8058) — unsubscribes from the
 *   email's category at once and answers 200, no redirect.
 * - `POST /unsubscribe/:token/preferences` — the page's form; answers 303 back to the page.
 * - `GET /email-logos/:workspaceId?s=` — a workspace's logo for emails, with a signed address.
 * - `POST /webhooks/mailersend` — MailerSend's unsubscribe and spam-complaint events, signature verified.
 */
export function unsubscribeRoutes({ db, config, keyring, logger }: { db: Db; config: Config; keyring: Keyring; logger: Logger }) {
  const router = express.Router();
  const keys = linkKeys(config, keyring);
  const meta = (req: Request) => ({ requestId: req.requestId, ip: req.ip ?? null });
  const privatePage = (res: Response) => res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex' });
  const smallBody = express.raw({ type: () => true, limit: '16kb' });

  router.get('/unsubscribe/:token', async (req, res) => {
    privatePage(res);
    const target = verifyUnsubscribeToken(keys, String(req.params.token));
    if (!target) return res.status(404).type('html').send(invalidLinkPage());
    const preferences = await readPreferences(db, target);
    if (!preferences) return res.status(200).type('html').send(goneContactPage());
    const notice = req.query.saved === '1' ? 'Your choices are saved.' : null;
    res.status(200).type('html').send(preferencesPage(`/unsubscribe/${encodeURIComponent(String(req.params.token))}/preferences`, preferences, notice));
  });

  router.post('/unsubscribe/:token', smallBody, async (req, res) => {
    privatePage(res);
    const target = verifyUnsubscribeToken(keys, String(req.params.token));
    if (!target) return res.status(404).type('text').send('This unsubscribe link is not valid; nothing was changed.');
    if (!isOneClick(req)) {
      return res.status(400).type('text').send('A one-click unsubscribe is a POST whose body is List-Unsubscribe=One-Click (RFC 8058). To change your choices, open this address in a browser.');
    }
    const outcome = await oneClickUnsubscribe(db, target, meta(req));
    const message = outcome.found ? `You are unsubscribed from ${outcome.categoryName} (${outcome.workspaceName}).` : 'Nothing more will be sent to this address from this list.';
    res.status(200).type('text').send(message);
  });

  router.post('/unsubscribe/:token/preferences', express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 2000 }), async (req, res) => {
    privatePage(res);
    const token = String(req.params.token);
    const target = verifyUnsubscribeToken(keys, token);
    if (!target) return res.status(404).type('html').send(invalidLinkPage());
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries((req.body ?? {}) as Record<string, string | string[]>)) {
      for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') form.append(name, v);
    }
    const saved = await savePreferences(db, target, readPreferenceForm(form), meta(req));
    if (saved === null) return res.status(200).type('html').send(goneContactPage());
    res.redirect(303, `/unsubscribe/${encodeURIComponent(token)}?saved=1`);
  });

  router.get('/email-logos/:workspaceId', async (req, res) => {
    const workspaceId = String(req.params.workspaceId);
    const logo = verifyLogo(keys, workspaceId, String(req.query.s ?? ''))
      ? await db.selectFrom('workspaces').select(['logo', 'logo_content_type']).where('id', '=', workspaceId).executeTakeFirst()
      : null;
    if (!logo?.logo || !logo.logo_content_type) return res.status(404).json({ error: { code: 'NOT_FOUND', message: 'Logo not found.' } });
    res.set({
      'Content-Type': logo.logo_content_type,
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'public, max-age=86400',
      'Cross-Origin-Resource-Policy': 'cross-origin',
    });
    res.send(logo.logo);
  });

  router.post('/webhooks/mailersend', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    // The server's secrets act on every organisation; an organisation's own, on that organisation.
    const secrets = [
      ...config.mailersendWebhookSecrets.map((secret) => ({ secret, scope: null as string | null })),
      ...(await savedWebhookSecrets(db, keyring)).map((s) => ({ secret: s.secret, scope: s.organisationId as string | null })),
    ];
    if (secrets.length === 0) {
      return res.status(503).json({ error: { code: 'UNAVAILABLE', message: 'No MailerSend webhook signing secret is configured (MAILERSEND_WEBHOOK_SECRETS, or an organisation\'s under Integrations).' } });
    }
    const signed = matchMailerSendSignature(secrets, raw, req.get('signature'));
    // MailerSend saves a webhook only once its address answers 2xx to a `webhook.test` ping, which
    // it signs with a secret of its own (the webhook's does not exist yet): a ping does nothing, so
    // it is acknowledged whatever its signature.
    if (!signed && isPing(raw)) return res.status(200).json({ handled: false });
    if (!signed) {
      logger.warn('A MailerSend webhook request with a wrong signature was refused', { requestId: req.requestId, ip: req.ip });
      return res.status(401).json({ error: { code: 'UNAUTHORIZED', message: 'The Signature header does not match the body.' } });
    }
    let event;
    try {
      event = readOptOutEvent(raw);
    } catch (error) {
      return res.status(400).json({ error: { code: 'BAD_REQUEST', message: (error as Error).message } });
    }
    if (!event) return res.status(200).json({ handled: false });
    const outcome = await applyProviderOptOut(db, { provider: 'mailersend', ...event }, signed.scope, meta(req));
    logger.info('MailerSend opt-out event', { requestId: req.requestId, event: event.kind, duplicate: outcome.duplicate, unsubscribed: outcome.unsubscribed });
    res.status(200).json({ handled: true, ...outcome });
  });

  return router;
}

function isPing(raw: Buffer): boolean {
  try {
    return (JSON.parse(raw.toString('utf8')) as { type?: unknown } | null)?.type === 'webhook.test';
  } catch {
    return false;
  }
}

/** RFC 8058's body, form-encoded or multipart. */
function isOneClick(req: Request): boolean {
  const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  const type = req.get('content-type') ?? '';
  if (/multipart\/form-data/i.test(type)) return /name="?List-Unsubscribe"?\r?\n(?:[^\r\n]+\r?\n)*\r?\nOne-Click\r?\n/i.test(body);
  return new URLSearchParams(body.trim()).get('List-Unsubscribe') === 'One-Click';
}
