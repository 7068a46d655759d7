import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * How a delivery is signed (the README documents it for receivers), as Stripe does:
 *
 *     Steward-Signature: t=1764130000,v1=5257a869e7ec…
 *
 * `t` is the Unix time of the attempt in seconds; `v1` is the lowercase hex HMAC-SHA256, keyed
 * with the subscription's signing secret (the whole `whsec_…` string), of `${t}.${body}` — the
 * raw request body, byte for byte. Receivers recompute it, compare in constant time, and refuse
 * a `t` older than a few minutes (replays). Each retry is signed anew with its own `t`.
 */
export const SIGNATURE_HEADER = 'Steward-Signature';

export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, body)}`;
}

/** What a receiver does; exported for tests and as the reference implementation. */
export function verifySignatureHeader(secret: string, header: string | null | undefined, body: string, options: { toleranceSeconds?: number; now?: number } = {}): boolean {
  if (!header) return false;
  const parts = new Map(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const timestamp = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isInteger(timestamp) || !given || !/^[0-9a-f]{64}$/.test(given)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  return timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(signatureOf(secret, timestamp, body), 'hex'));
}
