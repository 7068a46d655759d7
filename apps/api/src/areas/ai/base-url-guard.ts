import { isIP } from 'node:net';
import { AppError } from '../../errors.js';
import { guardedLookup, isPrivateAddress } from '../webhooks/target-url.js';

/**
 * The SSRF guard of AI base URLs: the address is an admin's choice, and Steward's server calls it
 * (test connection, AI features). Where private addresses are refused (production, unless
 * AI_PRIVATE_BASE_URLS=allow), a base URL may not be or resolve to a private, loopback or
 * link-local address — the same rule as outgoing webhooks (areas/webhooks/target-url.ts).
 */
const LOCAL_NAME = /^(localhost|.*\.localhost|.*\.local|.*\.internal)$/i;

const REFUSED = 'points to a private or local address, which Steward does not call. Use an address reachable on the internet (a model server on your own network needs AI_PRIVATE_BASE_URLS=allow on the server).';

/** When saved: a clear 400 for an address that will never be called. */
export function checkAiBaseUrl(baseUrl: string, allowPrivate: boolean): void {
  if (allowPrivate) return;
  const host = new URL(baseUrl).hostname.replace(/^\[|\]$/g, '');
  if ((isIP(host) !== 0 && isPrivateAddress(host)) || LOCAL_NAME.test(host) || (!host.includes('.') && isIP(host) === 0)) {
    throw new AppError('BAD_REQUEST', `The base URL ${REFUSED}`);
  }
}

/**
 * Before each call: what the name resolves to now (a name may move to a private address after it
 * was saved). Null when it may be called, else why not, in words.
 */
export async function refusedAiBaseUrl(baseUrl: string, allowPrivate: boolean): Promise<string | null> {
  if (allowPrivate) return null;
  try {
    checkAiBaseUrl(baseUrl, false);
  } catch (error) {
    return (error as Error).message;
  }
  const host = new URL(baseUrl).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return null;
  return new Promise((resolve) =>
    guardedLookup(host, { all: true }, (error) => resolve(error && (error as { code?: string }).code === 'EBLOCKED' ? `The base URL's host ${host} ${REFUSED}` : null)),
  );
}
