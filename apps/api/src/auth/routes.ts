import { escapeHtml } from '../html.js';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { Db } from '@steward/db';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { rateLimit } from '../rate-limit.js';
import { createGoogleSignIn, SignInRefused } from './google.js';
import { signInWithIdentity } from './identity.js';
import { readSession, startSession, type StewardLucia } from './sessions.js';

const OAUTH_COOKIE_MAX_AGE_MS = 10 * 60 * 1000;
export const DEV_ISSUER = 'steward:development';

function page(title: string, body: string) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Steward</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1d2330}
.banner{background:#fff4d6;border:1px solid #e0b84c;padding:.6rem .8rem;border-radius:6px;margin-bottom:1rem}
label,input,button{display:block;width:100%;box-sizing:border-box;margin:.3rem 0}input,button{padding:.5rem;font:inherit}
button{background:#2f5bd3;color:#fff;border:0;border-radius:6px;cursor:pointer}</style></head><body>${body}</body></html>`;
}

function refuse(res: Response, status: number, message: string) {
  res
    .status(status)
    .type('html')
    .send(page('Sign-in failed', `<h1>Sign-in failed</h1><p role="alert">${escapeHtml(message)}</p><p><a href="/">Back to sign-in</a></p>`));
}

/** Where to go after signing in: a path on this site only, never another origin. */
export function safeNextPath(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || value.length > 2000) return '/';
  return value;
}

const devSignInForm = z.object({
  email: z.string().trim().toLowerCase().email('Enter a valid email address.').max(254),
  name: z.string().trim().max(100).optional(),
  next: z.string().max(2000).optional(),
});

export function authRoutes(deps: { db: Db; config: Config; lucia: StewardLucia; logger: Logger }) {
  const { db, config, lucia, logger } = deps;
  const router = express.Router();
  const cookieBase = { httpOnly: true, secure: config.secureCookies, sameSite: 'lax' as const, path: '/auth' };
  const signInLimit = rateLimit(db, { name: 'sign-in', windowMs: 60_000, max: config.signInRateLimitPerMinute });

  async function completeSignIn(res: Response, userId: string, next: unknown) {
    const { cookie } = await startSession(lucia, userId);
    res.append('Set-Cookie', cookie);
    res.redirect(303, safeNextPath(next));
  }

  router.get('/providers', (_req, res) => {
    res.json({ google: Boolean(config.google), development: config.devSignIn });
  });

  if (config.google) {
    const google = createGoogleSignIn({
      ...config.google,
      redirectUri: new URL('/auth/google/callback', config.publicUrl).href,
    });

    router.get('/google', signInLimit, async (req, res) => {
      try {
        const { url, state, codeVerifier } = await google.start();
        res.cookie('steward_oauth_state', state, { ...cookieBase, maxAge: OAUTH_COOKIE_MAX_AGE_MS });
        res.cookie('steward_oauth_verifier', codeVerifier, { ...cookieBase, maxAge: OAUTH_COOKIE_MAX_AGE_MS });
        res.cookie('steward_oauth_next', safeNextPath(req.query.next), { ...cookieBase, maxAge: OAUTH_COOKIE_MAX_AGE_MS });
        res.redirect(302, url.href);
      } catch (error) {
        logger.error('Google sign-in could not start', { error });
        refuse(res, 502, 'Google sign-in is unavailable right now. Please try again in a minute.');
      }
    });

    router.get('/google/callback', signInLimit, async (req: Request, res: Response) => {
      const expectedState: unknown = req.cookies?.steward_oauth_state;
      const codeVerifier: unknown = req.cookies?.steward_oauth_verifier;
      const next: unknown = req.cookies?.steward_oauth_next;
      res.clearCookie('steward_oauth_state', cookieBase);
      res.clearCookie('steward_oauth_verifier', cookieBase);
      res.clearCookie('steward_oauth_next', cookieBase);
      const { code, state, error } = req.query;
      if (typeof error === 'string') return refuse(res, 400, 'Sign-in was cancelled at Google.');
      if (typeof code !== 'string' || typeof state !== 'string' || typeof expectedState !== 'string' || typeof codeVerifier !== 'string') {
        return refuse(res, 400, 'This sign-in link is incomplete or has expired. Please start again.');
      }
      if (state !== expectedState) return refuse(res, 400, 'This sign-in did not start here (state mismatch). Please start again.');
      try {
        const identity = await google.finish(code, codeVerifier);
        await completeSignIn(res, await signInWithIdentity(db, identity), next);
      } catch (err) {
        if (err instanceof SignInRefused || err instanceof AppError) return refuse(res, 403, err.message);
        logger.error('Google sign-in failed', { error: err });
        refuse(res, 502, 'Sign-in failed on our side. Please try again.');
      }
    });
  }

  if (config.devSignIn) {
    router.get('/dev', (_req, res) => {
      res.type('html').send(
        page(
          'Development sign-in',
          `<div class="banner" role="note"><strong>Development sign-in.</strong> Anyone can sign in as any email here. It is never available in production.</div>
<h1>Sign in to Steward</h1>
<form method="post" action="/auth/dev/sign-in"><input type="hidden" name="next" value="/"><label for="email">Email</label><input id="email" name="email" type="email" required autofocus>
<button type="submit">Sign in</button></form>`,
        ),
      );
    });

    router.post('/dev/sign-in', signInLimit, express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
      const form = devSignInForm.safeParse(req.body ?? {});
      if (!form.success) return refuse(res, 400, form.error.issues[0]?.message ?? 'Enter a valid email address.');
      const { email } = form.data;
      const local = email.split('@')[0]!;
      const name = form.data.name || local.charAt(0).toUpperCase() + local.slice(1);
      try {
        const userId = await signInWithIdentity(db, { issuer: DEV_ISSUER, subject: email, email, name, avatarUrl: null });
        await completeSignIn(res, userId, form.data.next);
      } catch (err) {
        if (err instanceof AppError) return refuse(res, 403, err.message);
        throw err;
      }
    });
  }

  router.post('/sign-out', async (req, res) => {
    const session = await readSession(lucia, req.get('cookie'));
    if (session.sessionId) await lucia.invalidateSession(session.sessionId);
    res.append('Set-Cookie', lucia.createBlankSessionCookie().serialize());
    if (req.accepts(['json', 'html']) === 'json') res.json({ signedOut: true });
    else res.redirect(303, '/');
  });

  return router;
}
