import nodemailer from 'nodemailer';
import type { Config } from '../../config.js';
import { ChannelFailure } from './smtp.js';

/**
 * Replies through a connected Gmail or Outlook mailbox, with the connection's access token:
 * Gmail's `users.messages.send` (the message as raw MIME) and Microsoft Graph's `me/sendMail`.
 */

interface Mail {
  from: string;
  to: string;
  subject: string;
  text: string;
}

async function post(url: string, accessToken: string, body: unknown, label: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new ChannelFailure(`${label} could not be reached (${(error as Error).message}).`, false);
  }
  if (response.status === 401 || response.status === 403) {
    throw new ChannelFailure(`${label} refused to send with this connection (HTTP ${response.status}): reconnect the channel, allowing Steward to send mail.`, true);
  }
  if (!response.ok) {
    const detail = ((await response.json().catch(() => null)) as { error?: { message?: string } } | null)?.error?.message;
    throw new ChannelFailure(`${label} did not send the reply (HTTP ${response.status}${detail ? `: ${detail.slice(0, 200)}` : ''}).`, false);
  }
  return response;
}

/** The message as RFC 5322 bytes, built by nodemailer (headers, encoding, line lengths). */
async function mime(mail: Mail): Promise<Buffer> {
  const info = await nodemailer.createTransport({ streamTransport: true, buffer: true }).sendMail(mail);
  return info.message as Buffer;
}

export async function sendThroughGmail(config: Config, accessToken: string, mail: Mail) {
  const raw = (await mime(mail)).toString('base64url');
  const response = await post(new URL('/gmail/v1/users/me/messages/send', config.mailApis.gmailBaseUrl).toString(), accessToken, { raw }, 'Gmail');
  const sent = (await response.json().catch(() => ({}))) as { id?: string };
  return { externalId: sent.id ?? null };
}

export async function sendThroughOutlook(config: Config, accessToken: string, mail: Mail) {
  await post(
    new URL('/v1.0/me/sendMail', config.mailApis.graphBaseUrl).toString(),
    accessToken,
    { message: { subject: mail.subject, body: { contentType: 'Text', content: mail.text }, toRecipients: [{ emailAddress: { address: mail.to } }] }, saveToSentItems: true },
    'Outlook',
  );
  // Graph answers 202 without an id.
  return { externalId: null };
}
