import type { NextFunction, Request, Response } from 'express';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function requestOrigin(req: Request): string | null {
  const origin = req.get('origin');
  if (origin && origin !== 'null') return origin;
  const referer = req.get('referer');
  if (!referer) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}

/**
 * State-changing requests that a browser could send on its own (anything carrying a cookie,
 * and every sign-in form) must come from our own origin. Bearer-key requests carry no cookie,
 * cannot be forged by a browser, and skip the check.
 */
export function csrfProtection(publicOrigin: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    // A bearer-key request is authenticated by its header alone (cookies are ignored), and a
    // browser cannot attach that header to a cross-site request.
    if (/^Bearer\s/i.test(req.get('authorization') ?? '')) return next();
    const carriesCookie = Boolean(req.get('cookie'));
    const isSignIn = req.path.startsWith('/auth/');
    if (!carriesCookie && !isSignIn) return next();
    if (requestOrigin(req) === publicOrigin) return next();
    res.status(403).json({ error: { code: 'FORBIDDEN', message: 'This request did not come from the Steward console (Origin check failed).' } });
  };
}
