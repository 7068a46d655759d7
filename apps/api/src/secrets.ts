import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Secrets at rest: AES-256-GCM under a 32-byte key. Each ciphertext records the version of the
 * key that sealed it (a fingerprint of the key), so keys can be rotated while older
 * ciphertexts stay readable until they are re-sealed.
 */
export interface Keyring {
  current: { version: string; key: Buffer };
  byVersion: Map<string, Buffer>;
}

export class SecretKeyError extends Error {}

export function keyVersion(key: Buffer): string {
  return `k${createHash('sha256').update('steward-secret-key:').update(key).digest('hex').slice(0, 12)}`;
}

export function parseSecretKey(base64: string, name = 'STEWARD_SECRET_KEY'): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== 32) throw new SecretKeyError(`${name} must be 32 bytes, base64-encoded (e.g. \`openssl rand -base64 32\`).`);
  return key;
}

export function createKeyring(current: Buffer, previous: Buffer[] = []): Keyring {
  const byVersion = new Map<string, Buffer>();
  for (const key of [current, ...previous]) byVersion.set(keyVersion(key), key);
  return { current: { version: keyVersion(current), key: current }, byVersion };
}

/** `context` binds a ciphertext to its row (organisation, provider, setting): it cannot be moved to another. */
export function sealSecret(keyring: Keyring, plaintext: string, context: string): { ciphertext: string; keyVersion: string } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyring.current.key, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'), keyVersion: keyring.current.version };
}

export function openSecret(keyring: Keyring, sealed: { ciphertext: string; keyVersion: string }, context: string): string {
  const key = keyring.byVersion.get(sealed.keyVersion);
  if (!key) throw new SecretKeyError(`A stored secret was sealed with key ${sealed.keyVersion}, which is not configured. Add it to STEWARD_SECRET_KEYS_PREVIOUS.`);
  const raw = Buffer.from(sealed.ciphertext, 'base64');
  if (raw.length < 12 + 16) throw new SecretKeyError('A stored secret is damaged (too short).');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12), { authTagLength: 16 });
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

export interface SecretKeySource {
  /** From STEWARD_SECRET_KEY; absent in local development. */
  secretKey: string | undefined;
  previousSecretKeys: string[];
  dataDir: string;
}

/** Where local development keeps its generated key: beside the embedded database. */
export const devKeyFile = (dataDir: string) => path.join(dataDir, 'secret-key.json');

interface DevKeyFile {
  current: string;
  previous: string[];
}

async function readDevKeys(file: string): Promise<DevKeyFile | null> {
  if (!existsSync(file)) return null;
  return JSON.parse(await fs.readFile(file, 'utf8')) as DevKeyFile;
}

async function writeDevKeys(file: string, keys: DevKeyFile) {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, JSON.stringify(keys, null, 2), { mode: 0o600 });
  await fs.rename(temporary, file);
}

/**
 * The keyring in force: STEWARD_SECRET_KEY (+ STEWARD_SECRET_KEYS_PREVIOUS), or in development a
 * key generated once and kept in the data folder. (Production refuses to start without one; see config.)
 */
export async function loadKeyring(source: SecretKeySource): Promise<Keyring> {
  if (source.secretKey) {
    return createKeyring(
      parseSecretKey(source.secretKey),
      source.previousSecretKeys.map((k, i) => parseSecretKey(k, `STEWARD_SECRET_KEYS_PREVIOUS[${i}]`)),
    );
  }
  const file = devKeyFile(source.dataDir);
  let keys = await readDevKeys(file);
  if (!keys) {
    keys = { current: randomBytes(32).toString('base64'), previous: [] };
    await writeDevKeys(file, keys);
  }
  return createKeyring(parseSecretKey(keys.current), keys.previous.map((k) => parseSecretKey(k)));
}

/** Development only: makes a new current key and keeps the old ones readable. */
export async function generateNextDevKey(dataDir: string): Promise<void> {
  const file = devKeyFile(dataDir);
  const keys = (await readDevKeys(file)) ?? { current: randomBytes(32).toString('base64'), previous: [] };
  await writeDevKeys(file, { current: randomBytes(32).toString('base64'), previous: [keys.current, ...keys.previous] });
}
