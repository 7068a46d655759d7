import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../../errors.js';

/**
 * The SSRF guard of outgoing webhooks. A subscription's URL is chosen by a workspace admin, and
 * Steward's servers call it: without a guard, an admin could make Steward reach the database,
 * the cloud metadata service (169.254.169.254) or anything else on the private network. So, when
 * the guard is on (production, unless WEBHOOK_PRIVATE_TARGETS=allow), a target may not be or
 * resolve to a private, loopback, link-local, shared, multicast or reserved address. The check is
 * made on the address actually connected to (the `lookup` of the request), so a name that resolves
 * to a public address when saved and a private one later (DNS rebinding) is refused too.
 * Outside production private targets are allowed, so tests and local development can use receivers
 * on 127.0.0.1.
 */

const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv6');
}

/** IPv4 embedded in an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, `::ffff:7f00:1`), if it is one. */
function mappedIPv4(address: string): string | null {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1]!;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return null;
  const high = parseInt(hex[1]!, 16);
  const low = parseInt(hex[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** True for any address a webhook may not reach while the guard is on. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').split('%')[0]!;
  const version = isIP(bare);
  if (version === 4) return BLOCKED.check(bare, 'ipv4');
  if (version === 6) {
    const v4 = mappedIPv4(bare);
    return v4 !== null ? BLOCKED.check(v4, 'ipv4') : BLOCKED.check(bare, 'ipv6');
  }
  return true;
}

export interface TargetPolicy {
  production: boolean;
  allowPrivateTargets: boolean;
}

/** Checks a subscription's URL when it is saved: a clear 400 for what will never be delivered. */
export function checkTargetUrl(raw: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('BAD_REQUEST', 'The webhook URL is not a valid URL (e.g. https://hooks.example.com/steward).');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AppError('BAD_REQUEST', 'The webhook URL must start with https://.');
  if (policy.production && url.protocol !== 'https:') throw new AppError('BAD_REQUEST', 'The webhook URL must use https://.');
  if (url.username || url.password) throw new AppError('BAD_REQUEST', 'Put no user name or password in the webhook URL: every delivery is signed instead.');
  if (url.hash) throw new AppError('BAD_REQUEST', 'The webhook URL cannot have a #fragment.');
  if (!policy.allowPrivateTargets) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const local = /^(localhost|.*\.localhost|.*\.local|.*\.internal)$/i.test(host) || (!host.includes('.') && isIP(host) === 0);
    if ((isIP(host) !== 0 && isPrivateAddress(host)) || local) {
      throw new AppError('BAD_REQUEST', 'The webhook URL points to a private or local address, which Steward does not call. Use an address reachable on the internet.');
    }
  }
  return url;
}

export class BlockedTargetError extends Error {}

/**
 * A `lookup` for http.request that refuses private addresses: every address the name resolves to
 * must be public (one private answer is enough to refuse — no guessing which one gets connected).
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, options.all ? [] : '', undefined);
    const list = addresses as LookupAddress[];
    const blocked = list.find((a) => isPrivateAddress(a.address));
    if (blocked || list.length === 0) {
      return callback(Object.assign(new BlockedTargetError(`${hostname} resolves to a private or local address (${blocked?.address ?? 'none'}), which Steward does not call.`), { code: 'EBLOCKED' }), options.all ? [] : '', undefined);
    }
    if (options.all) return callback(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
}
