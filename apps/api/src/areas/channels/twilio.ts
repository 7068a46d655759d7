import { createHmac, timingSafeEqual } from 'node:crypto';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { Config } from '../../config.js';
import { ChannelFailure } from './smtp.js';

type RequestOptions<TData> = RequestClient.RequestOptions<TData>;

export const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * The twilio package's own HTTP client, sending to TWILIO_API_BASE_URL when it is set (a local
 * stand-in in tests) instead of Twilio's hosts; everything else (auth, encoding, errors) is the library's.
 */
class BaseUrlRequestClient extends twilio.RequestClient {
  constructor(private readonly baseUrl: string) {
    super();
  }
  override request<TData>(opts: RequestOptions<TData>) {
    const original = new URL(opts.uri);
    const target = new URL(`${original.pathname}${original.search}`, this.baseUrl);
    return super.request<TData>({ ...opts, uri: target.toString() });
  }
}

function client(config: Config, accountSid: string, authToken: string) {
  return twilio(accountSid, authToken, config.twilio.apiBaseUrl ? { httpClient: new BaseUrlRequestClient(config.twilio.apiBaseUrl) } : {});
}

function describeTwilioError(error: unknown): ChannelFailure {
  const e = error as { status?: number; code?: number; message?: string };
  if (e.status === 401 || e.code === 20003) return new ChannelFailure('Twilio refused the Account SID and Auth Token (error 20003): check both, or copy a new Auth Token from the Twilio console.', true);
  if (typeof e.status === 'number') return new ChannelFailure(`Twilio answered HTTP ${e.status}${e.code ? ` (error ${e.code})` : ''}: ${(e.message ?? '').slice(0, 200)}`, false);
  return new ChannelFailure(`Twilio could not be reached (${(e.message ?? 'network error').slice(0, 120)}).`, false);
}

/** "Test": fetches the account from Twilio's account endpoint with the saved credentials. */
export async function checkTwilioAccount(config: Config, accountSid: string, authToken: string) {
  try {
    const account = await client(config, accountSid, authToken).api.v2010.accounts(accountSid).fetch();
    if (account.status !== 'active') throw new ChannelFailure(`The Twilio account ${account.friendlyName} is ${account.status}.`, true);
    return { friendlyName: account.friendlyName };
  } catch (error) {
    if (error instanceof ChannelFailure) throw error;
    throw describeTwilioError(error);
  }
}

export async function sendTwilioSms(config: Config, credentials: { accountSid: string; authToken: string }, message: { from: string; to: string; body: string }) {
  try {
    const sent = await client(config, credentials.accountSid, credentials.authToken).messages.create({ from: message.from, to: message.to, body: message.body });
    return { externalId: sent.sid };
  } catch (error) {
    throw describeTwilioError(error);
  }
}

/**
 * Twilio's request signature (X-Twilio-Signature): HMAC-SHA1 under the Auth Token of the full URL
 * Twilio called followed by every POST parameter's name and value, sorted by name; base64.
 */
export function twilioSignatureIsValid(authToken: string, signature: string | undefined, url: string, params: Record<string, string>) {
  if (!signature) return false;
  const data = url + Object.keys(params).sort().map((name) => name + params[name]).join('');
  const expected = createHmac('sha1', authToken).update(data, 'utf8').digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
