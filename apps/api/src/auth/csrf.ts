import type { NextFunction, Request, Response } from 'express';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function requestOrigin(req: Request): string | null {
  const origin = req.get('origin');
  // An opaque origin ("null": sandboxed frames, some redirects) is refused, not excused.
  if (origin) return origin === 'null' ? null : origin;
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
    // A request with an Authorization header is authenticated by that header alone (its cookies
    // are never read), and a browser cannot attach one to a cross-site request without CORS.
    if (req.get('authorization')) return next();
    const carriesCookie = Boolean(req.get('cookie'));
    const isSignIn = req.path.startsWith('/auth/');
    if (!carriesCookie && !isSignIn) return next();
    if (requestOrigin(req) === publicOrigin) return next();
    res.status(403).json({ error: { code: 'FORBIDDEN', message: 'This request did not come from the Steward console (Origin check failed).' } });
  };
}
