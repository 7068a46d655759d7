import { CodeChallengeMethod, OAuth2Client, generateCodeVerifier, generateState } from 'arctic';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { z } from 'zod';
import type { VerifiedIdentity } from './identity.js';

const discoverySchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  jwks_uri: z.string().url(),
});

const idTokenClaims = z.object({
  sub: z.string().min(1),
  email: z.string().email(),
  email_verified: z.union([z.boolean(), z.literal('true'), z.literal('false')]).optional(),
  name: z.string().optional(),
  picture: z.string().url().optional(),
});

export class SignInRefused extends Error {}

/**
 * Google sign-in as plain OpenID Connect: the endpoints come from the issuer's discovery
 * document, so tests run the same flow against a local OIDC server.
 */
export function createGoogleSignIn(options: { clientId: string; clientSecret: string; issuer: string; redirectUri: string }) {
  const client = new OAuth2Client(options.clientId, options.clientSecret, options.redirectUri);
  let discovered: Promise<{ meta: z.infer<typeof discoverySchema>; jwks: ReturnType<typeof createRemoteJWKSet> }> | null = null;

  function discover() {
    discovered ??= (async () => {
      const response = await fetch(new URL('.well-known/openid-configuration', options.issuer.endsWith('/') ? options.issuer : `${options.issuer}/`));
      if (!response.ok) throw new Error(`OIDC discovery failed with HTTP ${response.status}`);
      const meta = discoverySchema.parse(await response.json());
      return { meta, jwks: createRemoteJWKSet(new URL(meta.jwks_uri)) };
    })().catch((error) => {
      discovered = null;
      throw error;
    });
    return discovered;
  }

  return {
    async start(): Promise<{ url: URL; state: string; codeVerifier: string }> {
      const { meta } = await discover();
      const state = generateState();
      const codeVerifier = generateCodeVerifier();
      const url = client.createAuthorizationURLWithPKCE(meta.authorization_endpoint, state, CodeChallengeMethod.S256, codeVerifier, ['openid', 'email', 'profile']);
      url.searchParams.set('prompt', 'select_account');
      return { url, state, codeVerifier };
    },

    async finish(code: string, codeVerifier: string): Promise<VerifiedIdentity> {
      const { meta, jwks } = await discover();
      let idToken: string;
      try {
        idToken = (await client.validateAuthorizationCode(meta.token_endpoint, code, codeVerifier)).idToken();
      } catch {
        throw new SignInRefused('The sign-in provider did not accept this sign-in. Please try again.');
      }
      const { payload } = await jwtVerify(idToken, jwks, { issuer: meta.issuer, audience: options.clientId }).catch(() => {
        throw new SignInRefused('The sign-in provider returned an identity that could not be verified.');
      });
      const claims = idTokenClaims.safeParse(payload);
      if (!claims.success) throw new SignInRefused('The sign-in provider did not share an email address.');
      const verified = claims.data.email_verified === true || claims.data.email_verified === 'true';
      if (!verified) throw new SignInRefused(`The email address ${claims.data.email} is not verified with Google, so it cannot be used to sign in.`);
      return {
        issuer: meta.issuer,
        subject: claims.data.sub,
        email: claims.data.email.toLowerCase(),
        name: claims.data.name ?? claims.data.email.split('@')[0]!,
        avatarUrl: claims.data.picture ?? null,
      };
    },
  };
}
export type GoogleSignIn = ReturnType<typeof createGoogleSignIn>;
