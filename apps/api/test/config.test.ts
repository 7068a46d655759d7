import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const google = {
  GOOGLE_CLIENT_ID: 'id',
  GOOGLE_CLIENT_SECRET: 'secret',
  STEWARD_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'),
  EMAIL_LINK_SIGNING_KEYS: `k1:${Buffer.alloc(32, 2).toString('base64')}`,
  STEWARD_SUPPRESSION_KEY: Buffer.alloc(32, 5).toString('base64'),
};

describe('configuration', () => {
  it('offers development sign-in outside production when no Google client is configured', () => {
    expect(loadConfig({}).devSignIn).toBe(true);
    expect(loadConfig({ ...google }).devSignIn).toBe(false);
  });

  it('refuses to start in production with development sign-in switched on', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://s.example', STEWARD_DEV_SIGN_IN: 'on', ...google })).toThrow(
      /Development sign-in cannot be enabled in production/,
    );
  });

  it('refuses to start in production without Google, where development sign-in would be the only way in', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://s.example' })).toThrow(ConfigError);
  });

  it('starts in production with Google and an https public URL, without development sign-in', () => {
    const config = loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://s.example', ...google });
    expect(config.devSignIn).toBe(false);
    expect(config.secureCookies).toBe(true);
  });

  it('refuses to start in production without a secret key for stored credentials', () => {
    const { STEWARD_SECRET_KEY: _omitted, ...withoutKey } = google;
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://s.example', ...withoutKey })).toThrow(/STEWARD_SECRET_KEY/);
  });

  it('refuses to start in production without keys to sign the unsubscribe links of campaign emails', () => {
    const { EMAIL_LINK_SIGNING_KEYS: _omitted, ...withoutKeys } = google;
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://s.example', ...withoutKeys })).toThrow(/Production needs EMAIL_LINK_SIGNING_KEYS/);
    // Outside production the keys may be left out (a key is derived from the secret keyring).
    expect(loadConfig({}).emailLinkKeys).toEqual([]);
  });

  it('reads the link-signing keys in order, the first signing, and refuses malformed ones', () => {
    const [a, b] = [Buffer.alloc(32, 3), Buffer.alloc(32, 4)];
    const config = loadConfig({ EMAIL_LINK_SIGNING_KEYS: `new:${a.toString('base64')}, old:${b.toString('base64')}` });
    expect(config.emailLinkKeys).toEqual([
      { id: 'new', key: a },
      { id: 'old', key: b },
    ]);
    expect(() => loadConfig({ EMAIL_LINK_SIGNING_KEYS: `k1:${Buffer.alloc(16).toString('base64')}` })).toThrow(/at least 32 bytes/);
    expect(() => loadConfig({ EMAIL_LINK_SIGNING_KEYS: a.toString('base64') })).toThrow(/EMAIL_LINK_SIGNING_KEYS/);
    expect(() => loadConfig({ EMAIL_LINK_SIGNING_KEYS: `k.1:${a.toString('base64')}` })).toThrow(/EMAIL_LINK_SIGNING_KEYS/);
    expect(() => loadConfig({ EMAIL_LINK_SIGNING_KEYS: `k1:${a.toString('base64')},k1:${b.toString('base64')}` })).toThrow(/same key id twice/);
  });

  it('refuses to start in production without the key of the suppression list of erased addresses', () => {
    const { STEWARD_SUPPRESSION_KEY: _omitted, ...withoutKey } = google;
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://s.example', ...withoutKey })).toThrow(/Production needs STEWARD_SUPPRESSION_KEY/);
    expect(loadConfig({ STEWARD_SUPPRESSION_KEY: Buffer.alloc(32, 6).toString('base64') }).suppressionKey).toEqual(Buffer.alloc(32, 6));
    expect(() => loadConfig({ STEWARD_SUPPRESSION_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/STEWARD_SUPPRESSION_KEY must be 32 bytes/);
  });

  it('refuses a secret key that is not 32 bytes', () => {
    expect(() => loadConfig({ STEWARD_SECRET_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/32 bytes/);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });
});
