import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Keyring } from '../../secrets.js';

/**
 * The signed links of campaign emails. An unsubscribe token names the person, the workspace, the
 * category and the campaign of one email, and carries an HMAC-SHA256 (truncated to 128 bits)
 * under a key named by its id:
 *
 *     <keyId>.<base64url of the four ids, 64 bytes>.<base64url MAC, 16 bytes>
 *
 * The first key signs; every configured key verifies, so a key rotates by putting the new one
 * first and keeping the old one until its links no longer matter. A token altered in any part, or
 * signed with a key that is not configured, verifies as nothing (the MAC compared in constant time).
 */

export interface LinkKey {
  id: string;
  key: Buffer;
}

export interface UnsubscribeTarget {
  contactId: string;
  workspaceId: string;
  categoryId: string;
  campaignId: string;
}

const TOKEN_DOMAIN = 'steward/unsubscribe/v1';
const LOGO_DOMAIN = 'steward/email-logo/v1';
const MAC_BYTES = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The keys in force: EMAIL_LINK_SIGNING_KEYS, or outside production (where config refuses to start
 * without them) keys derived from the secret keyring, one per keyring key, so a development install
 * has its own unguessable key and no key is written in the code.
 */
export function linkKeys(config: Config, keyring: Keyring): LinkKey[] {
  if (config.emailLinkKeys.length > 0) return config.emailLinkKeys;
  if (config.env === 'production') throw new Error('EMAIL_LINK_SIGNING_KEYS is not set.');
  const derived = [keyring.current.version, ...[...keyring.byVersion.keys()].filter((v) => v !== keyring.current.version)];
  return derived.map((version) => ({ id: `d${version}`, key: createHmac('sha256', keyring.byVersion.get(version)!).update('steward/email-link-signing-key').digest() }));
}

function mac(key: LinkKey, domain: string, payload: Buffer): Buffer {
  return createHmac('sha256', key.key).update(`${domain}\0${key.id}\0`).update(payload).digest().subarray(0, MAC_BYTES);
}

const uuidBytes = (id: string) => {
  if (!UUID.test(id)) throw new Error(`Not a UUID: ${id}`);
  return Buffer.from(id.replace(/-/g, ''), 'hex');
};
const uuidText = (bytes: Buffer) => {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

export function signUnsubscribeToken(keys: LinkKey[], target: UnsubscribeTarget): string {
  return unsubscribeSigner(keys, target)(target.contactId);
}

/**
 * Signs the tokens of one campaign's recipients: the key, the prefix of the MAC and the campaign's
 * three ids are prepared once, so each recipient costs one HMAC over their own 16 bytes and more.
 */
export function unsubscribeSigner(keys: LinkKey[], campaign: Omit<UnsubscribeTarget, 'contactId'>): (contactId: string) => string {
  const key = keys[0];
  if (!key) throw new Error('No key to sign unsubscribe links with.');
  const rest = Buffer.concat([campaign.workspaceId, campaign.categoryId, campaign.campaignId].map(uuidBytes));
  const prefix = Buffer.from(`${TOKEN_DOMAIN}\0${key.id}\0`);
  return (contactId) => {
    const contact = uuidBytes(contactId);
    // The same MAC as `mac(key, TOKEN_DOMAIN, contact ‖ rest)`, without copying the payload first.
    const digest = createHmac('sha256', key.key).update(prefix).update(contact).update(rest).digest().subarray(0, MAC_BYTES);
    return `${key.id}.${Buffer.concat([contact, rest]).toString('base64url')}.${digest.toString('base64url')}`;
  };
}

/** What a genuine token names; null for anything else (forged, altered, unknown key, malformed). */
export function verifyUnsubscribeToken(keys: LinkKey[], token: string): UnsubscribeTarget | null {
  if (token.length > 200) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [keyId, payloadText, macText] = parts as [string, string, string];
  const key = keys.find((k) => k.id === keyId);
  if (!key || !/^[A-Za-z0-9_-]+$/.test(payloadText) || !/^[A-Za-z0-9_-]+$/.test(macText)) return null;
  const payload = Buffer.from(payloadText, 'base64url');
  const given = Buffer.from(macText, 'base64url');
  // Re-encoding must give the same text: no second spelling of a token is accepted.
  if (payload.length !== 64 || given.length !== MAC_BYTES || payload.toString('base64url') !== payloadText || given.toString('base64url') !== macText) return null;
  if (!timingSafeEqual(given, mac(key, TOKEN_DOMAIN, payload))) return null;
  return {
    contactId: uuidText(payload.subarray(0, 16)),
    workspaceId: uuidText(payload.subarray(16, 32)),
    categoryId: uuidText(payload.subarray(32, 48)),
    campaignId: uuidText(payload.subarray(48, 64)),
  };
}

/** The signature in a workspace logo's public address (emails are read without signing in). */
export function signLogo(keys: LinkKey[], workspaceId: string): string {
  const key = keys[0]!;
  return `${key.id}.${mac(key, LOGO_DOMAIN, uuidBytes(workspaceId)).toString('base64url')}`;
}

export function verifyLogo(keys: LinkKey[], workspaceId: string, signature: string): boolean {
  if (!UUID.test(workspaceId)) return false;
  const [keyId, macText, ...rest] = signature.split('.');
  const key = keys.find((k) => k.id === keyId);
  if (!key || !macText || rest.length > 0) return false;
  const given = Buffer.from(macText, 'base64url');
  return given.length === MAC_BYTES && given.toString('base64url') === macText && timingSafeEqual(given, mac(key, LOGO_DOMAIN, uuidBytes(workspaceId)));
}

/** The address of the unsubscribe page and of the one-click POST (RFC 8058), under PUBLIC_URL. */
export const unsubscribeUrl = (config: Config, token: string) => new URL(`/unsubscribe/${token}`, config.publicUrl).href;

/** The public address of a workspace's logo for emails; `version` changes with the logo (caches). */
export const emailLogoUrl = (config: Config, keys: LinkKey[], workspaceId: string, version: Date) =>
  new URL(`/email-logos/${workspaceId}?v=${version.getTime().toString(36)}&s=${signLogo(keys, workspaceId)}`, config.publicUrl).href;
