import type { Request, Response } from 'express';
import type { Db } from '@steward/db';
import { z } from 'zod';
import { readSession, type StewardLucia } from '../../auth/sessions.js';
import { readWorkspaceLogo } from './workspaces.js';

/**
 * GET /workspace-logos/:workspaceId — the logo with its own content type, for members of the
 * organisation. An SVG is served under a CSP that forbids every script and a sandbox, so a
 * hostile upload cannot run even when opened directly.
 */
export function workspaceLogoRoute(db: Db, lucia: StewardLucia) {
  return async (req: Request, res: Response) => {
    const session = await readSession(lucia, req.get('cookie'));
    const workspaceId = String(req.params.workspaceId ?? '');
    const notFound = () => res.status(404).json({ error: { code: 'NOT_FOUND', message: 'Logo not found.' } });
    if (!session.user || !z.uuid().safeParse(workspaceId).success) return notFound();
    const logo = await readWorkspaceLogo(db, workspaceId, session.user.id);
    if (!logo?.logo || !logo.logo_content_type) return notFound();
    res.set({
      'Content-Type': logo.logo_content_type,
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, max-age=60',
      'Content-Disposition': 'inline; filename="logo"',
    });
    res.send(logo.logo);
  };
}
