import { z } from 'zod';
import { E164 } from './twilio.js';
import { SMTP_TLS_MODES } from './smtp.js';

const name = z.string().trim().min(1, 'Enter a name.').max(80, 'A channel name is at most 80 characters.');
const email = z.string().trim().toLowerCase().max(254).pipe(z.email('Enter an email address.'));
const host = z
  .string()
  .trim()
  .min(1, 'Enter the SMTP host.')
  .max(253)
  .regex(/^[A-Za-z0-9.-]+$|^\[[0-9a-fA-F:.]+\]$/, 'The SMTP host is a host name or an IP address, without a scheme or port.');
export const channelIdInput = z.object({ channelId: z.uuid('channelId must be a UUID') });

export const createSmtpInput = z.object({
  name,
  address: email,
  host,
  port: z.coerce.number().int().min(1, 'A port is 1 to 65535.').max(65535, 'A port is 1 to 65535.'),
  tlsMode: z.enum(SMTP_TLS_MODES),
  username: z.string().trim().min(1, 'Enter the SMTP user.').max(254),
  password: z.string().min(1, 'Enter the SMTP password.').max(500),
});

export const createTwilioInput = z.object({
  kind: z.enum(['twilio_sms', 'twilio_voice']),
  name,
  accountSid: z.string().trim().regex(/^AC[0-9a-fA-F]{32}$/, 'An Account SID is "AC" followed by 32 hexadecimal characters.'),
  authToken: z.string().trim().regex(/^[0-9a-fA-F]{32}$/, 'An Auth Token is 32 hexadecimal characters.'),
  phoneNumber: z.string().trim().regex(E164, 'Give the number in E.164 form: "+" then the country code and number, e.g. +447700900123.'),
});

export const connectOAuthChannelInput = z.object({
  kind: z.enum(['gmail', 'outlook']),
  name,
  /** The console page to come back to after the provider's consent screen. */
  returnTo: z.string().max(500).default('/'),
});

export const updateChannelInput = channelIdInput.extend({
  name: name.optional(),
  password: z.string().min(1).max(500).optional(),
  authToken: createTwilioInput.shape.authToken.optional(),
  host: host.optional(),
  port: createSmtpInput.shape.port.optional(),
  tlsMode: z.enum(SMTP_TLS_MODES).optional(),
  username: createSmtpInput.shape.username.optional(),
});

const channelStatus = z.enum(['active', 'failing', 'needs_reconnection']);
export const channelOutput = z.object({
  id: z.string(),
  kind: z.enum(['gmail', 'outlook', 'smtp', 'twilio_sms', 'twilio_voice']),
  name: z.string(),
  address: z.string(),
  status: channelStatus,
  /** Why the channel stopped working, and since when (null while it works). */
  failureReason: z.string().nullable(),
  failingSince: z.string().nullable(),
  lastCheckedAt: z.string().nullable(),
  settings: z.object({ host: z.string().optional(), port: z.number().optional(), tlsMode: z.string().optional(), username: z.string().optional(), accountSid: z.string().optional() }),
  /** The password or Auth Token as its last four characters. */
  secretMask: z.string().nullable(),
  connection: z.object({ account: z.string().nullable(), scopes: z.array(z.string()), status: z.string(), accessExpiresAt: z.string().nullable() }).nullable(),
  /** Where Twilio should send this number's inbound SMS (SMS channel) or incoming calls (Voice channel). */
  inboundWebhookUrl: z.string().nullable(),
  inboxIds: z.array(z.string()),
});
export const channelListOutput = z.object({
  channels: z.array(channelOutput),
  /** OAuth providers this server has a client for (Gmail, Outlook). */
  oauthProviders: z.array(z.object({ id: z.string(), label: z.string() })),
});
export const testChannelOutput = z.object({ ok: z.boolean(), message: z.string(), channel: channelOutput });
export const removedChannelOutput = z.object({ channelId: z.string(), revoked: z.boolean(), message: z.string() });
export const connectOutput = z.object({ authorizeUrl: z.string() });
