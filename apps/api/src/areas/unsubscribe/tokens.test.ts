import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { createKeyring } from '../../secrets.js';
import { linkKeys, type LinkKey, signLogo, signUnsubscribeToken, type UnsubscribeTarget, verifyLogo, verifyUnsubscribeToken } from './tokens.js';

/** Issue 12, item 5: the signed unsubscribe token (HMAC with a key id, for contact, workspace, category, campaign). */

const key = (id: string): LinkKey => ({ id, key: randomBytes(32) });
const target = (): UnsubscribeTarget => ({ contactId: randomUUID(), workspaceId: randomUUID(), categoryId: randomUUID(), campaignId: randomUUID() });

/** Every token that differs from `token` in one character of one part. */
function oneCharacterChanges(token: string): string[] {
  const changed: string[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '.') continue;
    const replacement = token[i] === 'A' ? 'B' : 'A';
    changed.push(token.slice(0, i) + replacement + token.slice(i + 1));
  }
  return changed;
}

describe('unsubscribe tokens', () => {
  it('name the contact, workspace, category and campaign they were signed for', () => {
    const keys = [key('k2')];
    const t = target();
    const token = signUnsubscribeToken(keys, t);
    expect(token.startsWith('k2.')).toBe(true);
    expect(token).toMatch(/^[A-Za-z0-9_.-]+$/); // safe in a URL path as it is
    expect(verifyUnsubscribeToken(keys, token)).toEqual(t);
  });

  it('verify as nothing once any character is changed, cut or added', () => {
    const keys = [key('k1')];
    const token = signUnsubscribeToken(keys, target());
    for (const altered of oneCharacterChanges(token)) expect(verifyUnsubscribeToken(keys, altered), altered).toBeNull();
    expect(verifyUnsubscribeToken(keys, token.slice(0, -1))).toBeNull();
    expect(verifyUnsubscribeToken(keys, `${token}A`)).toBeNull();
    expect(verifyUnsubscribeToken(keys, `${token}.x`)).toBeNull();
    expect(verifyUnsubscribeToken(keys, '')).toBeNull();
  });

  it('cannot be re-pointed: the ids of one token under the MAC of another verify as nothing', () => {
    const keys = [key('k1')];
    const [a, b] = [signUnsubscribeToken(keys, target()), signUnsubscribeToken(keys, target())];
    const [keyA, payloadA] = a.split('.');
    const macB = b.split('.')[2];
    expect(verifyUnsubscribeToken(keys, `${keyA}.${payloadA}.${macB}`)).toBeNull();
  });

  it('verify as nothing under a key id that is not configured, or under another key given the same id', () => {
    const signing = key('k1');
    const token = signUnsubscribeToken([signing], target());
    expect(verifyUnsubscribeToken([key('k9')], token)).toBeNull();
    expect(verifyUnsubscribeToken([{ id: 'k1', key: randomBytes(32) }], token)).toBeNull();
    // The key id is under the MAC: relabelling a token with another configured key's id fails.
    const other = key('k0');
    expect(verifyUnsubscribeToken([signing, other], token.replace(/^k1\./, 'k0.'))).toBeNull();
  });

  it('rotate: the new key signs, links signed with the old key keep working while it is configured, and stop once it is removed', () => {
    const [old, next] = [key('2025'), key('2026')];
    const t = target();
    const before = signUnsubscribeToken([old], t);
    const after = signUnsubscribeToken([next, old], t);
    expect(after.startsWith('2026.')).toBe(true);
    expect(verifyUnsubscribeToken([next, old], before)).toEqual(t);
    expect(verifyUnsubscribeToken([next, old], after)).toEqual(t);
    expect(verifyUnsubscribeToken([next], before)).toBeNull();
    expect(verifyUnsubscribeToken([next], after)).toEqual(t);
  });

  it('come from EMAIL_LINK_SIGNING_KEYS, else (outside production) from keys derived from the secret keyring, which rotate with it', () => {
    const configured = loadConfig({ EMAIL_LINK_SIGNING_KEYS: `k7:${randomBytes(32).toString('base64')}` });
    const keyring = createKeyring(randomBytes(32));
    expect(linkKeys(configured, keyring)).toEqual(configured.emailLinkKeys);

    const development = loadConfig({});
    const derived = linkKeys(development, keyring);
    expect(derived).toHaveLength(1);
    expect(derived[0]!.key.equals(keyring.current.key)).toBe(false); // derived, not the encryption key itself
    const t = target();
    const token = signUnsubscribeToken(derived, t);
    // After a rotation of the secret key (the old one kept as previous), old links still verify.
    const rotated = createKeyring(randomBytes(32), [keyring.current.key]);
    expect(verifyUnsubscribeToken(linkKeys(development, rotated), token)).toEqual(t);
    expect(verifyUnsubscribeToken(linkKeys(development, createKeyring(randomBytes(32))), token)).toBeNull();
  });

  it('sign the public address of a workspace logo for that workspace only', () => {
    const keys = [key('k1')];
    const [w1, w2] = [randomUUID(), randomUUID()];
    const signature = signLogo(keys, w1);
    expect(verifyLogo(keys, w1, signature)).toBe(true);
    expect(verifyLogo(keys, w2, signature)).toBe(false);
    expect(verifyLogo(keys, w1, `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(verifyLogo(keys, w1, '')).toBe(false);
    expect(verifyLogo(keys, 'not-a-uuid', signature)).toBe(false);
  });
});
