import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const google = { GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 'secret' };

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

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });
});
