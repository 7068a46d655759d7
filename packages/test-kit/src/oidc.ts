import { OAuth2Server } from 'oauth2-mock-server';

export interface OidcIdentity {
  sub: string;
  email: string;
  email_verified?: boolean;
  name?: string;
}

/** oauth2-mock-server on a local port with a fresh signing key (sign-in and the OAuth connect stand-in share it). */
export async function startOAuth2MockServer() {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  return server;
}

/**
 * A real OpenID Connect provider on a local port (oauth2-mock-server), signing ID tokens with
 * its own key. `nextIdentity` sets the claims of the next token it issues.
 */
export async function startOidcServer() {
  const server = await startOAuth2MockServer();
  const issuer = server.issuer.url!;
  let identity: OidcIdentity = { sub: 'google-subject-1', email: 'person@example.org', email_verified: true, name: 'Person' };
  server.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
    Object.assign(token.payload, identity);
  });
  return {
    issuer,
    clientId: 'steward-test-client',
    clientSecret: 'steward-test-secret',
    nextIdentity(next: OidcIdentity) {
      identity = next;
    },
    /** Environment for startTestApp that points Google sign-in at this server. */
    env(): Record<string, string> {
      return { GOOGLE_CLIENT_ID: 'steward-test-client', GOOGLE_CLIENT_SECRET: 'steward-test-secret', GOOGLE_ISSUER: issuer };
    },
    stop: () => server.stop(),
  };
}
export type OidcServer = Awaited<ReturnType<typeof startOidcServer>>;
