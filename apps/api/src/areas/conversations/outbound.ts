import { type Database, type Db, type Transaction } from '@steward/db';
import type { Config } from '../../config.js';
import type { JobQueue } from '../../email/jobs.js';
import type { Keyring } from '../../secrets.js';
import { openChannelSecret, recordChannelOutcome } from '../channels/channels.js';
import { ChannelFailure, sendSmtp, type SmtpSettings } from '../channels/smtp.js';
import { sendTwilioSms } from '../channels/twilio.js';
import { sendThroughGmail, sendThroughOutlook } from '../channels/mail-apis.js';
import { AppError } from '../../errors.js';
import { getAccessToken } from '../../oauth-connect/index.js';

export interface OutboundDeps {
  db: Db;
  config: Config;
  keyring: Keyring;
  /** Notifications are enqueued in the change's transaction. */
  jobs: JobQueue;
}

const EMAIL_KINDS = ['smtp', 'gmail', 'outlook'] as const;

/** Records an outgoing message as pending, in the caller's transaction; `deliverOutbound` sends it after commit. */
export async function recordOutbound(
  trx: Transaction<Database>,
  input: { organisationId: string; conversationId: string; body: string; kind: 'message' | 'out_of_office' | 'csat'; authorUserId: string | null; delivery?: 'pending' | 'sent' },
) {
  const row = await trx
    .insertInto('conversation_messages')
    .values({ organisation_id: input.organisationId, conversation_id: input.conversationId, direction: 'outbound', kind: input.kind, body: input.body, author_user_id: input.authorUserId, delivery: input.delivery ?? 'pending' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * The channel a reply goes out through: the one the conversation came in on, else the first of
 * the inbox's channels that can reach the contact (an SMS channel for a phone number, an email
 * channel for an address). Null when none can.
 */
export async function replyChannelFor(db: Db | Transaction<Database>, conversation: { channel_id: string | null; inbox_id: string }, contact: { email: string | null; phone: string | null }) {
  const channels = await db
    .selectFrom('channels as ch')
    .leftJoin('inbox_channels as ic', (j) => j.onRef('ic.channel_id', '=', 'ch.id').on('ic.inbox_id', '=', conversation.inbox_id))
    .selectAll('ch')
    .where((eb) => eb.or([eb('ch.id', '=', conversation.channel_id ?? '00000000-0000-0000-0000-000000000000'), eb('ic.inbox_id', 'is not', null)]))
    .orderBy('ch.created_at')
    .execute();
  const reaches = (kind: string) => (kind === 'twilio_sms' ? Boolean(contact.phone) : (EMAIL_KINDS as readonly string[]).includes(kind) ? Boolean(contact.email) : false);
  return channels.find((c) => c.id === conversation.channel_id && reaches(c.kind)) ?? channels.find((c) => reaches(c.kind)) ?? null;
}

/** Sends a pending message through its conversation's channel and records what happened. */
export async function deliverOutbound(deps: OutboundDeps, messageId: string) {
  const message = await deps.db
    .selectFrom('conversation_messages as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .innerJoin('contacts as p', 'p.id', 'c.contact_id')
    .select(['m.id', 'm.body', 'm.kind', 'm.delivery', 'c.id as conversation_id', 'c.channel_id', 'c.inbox_id', 'c.subject', 'p.email', 'p.phone'])
    .where('m.id', '=', messageId)
    .executeTakeFirstOrThrow();
  if (message.delivery !== 'pending') return { delivery: message.delivery, failure: null };
  const channel = await replyChannelFor(deps.db, message, message);
  let outcome: { delivery: 'sent' | 'failed'; failure: string | null; externalId: string | null };
  let channelFailure: ChannelFailure | null = null;
  if (!channel) {
    outcome = { delivery: 'failed', failure: 'No channel of this inbox can reach this contact (an SMS channel needs a phone number, an email channel an address).', externalId: null };
  } else {
    try {
      const secret = openChannelSecret(deps.keyring, channel) ?? '';
      const settings = channel.settings as unknown as SmtpSettings & { accountSid?: string };
      let sent: { externalId: string | null };
      if (channel.kind === 'twilio_sms') {
        sent = await sendTwilioSms(deps.config, { accountSid: settings.accountSid!, authToken: secret }, { from: channel.address, to: message.phone!, body: message.body });
      } else if (channel.kind === 'smtp') {
        sent = await sendSmtp(settings, secret, { from: channel.address, to: message.email!, subject: message.subject ? `Re: ${message.subject}` : 'Re: your message', text: message.body });
      } else if ((channel.kind === 'gmail' || channel.kind === 'outlook') && channel.oauth_connection_id) {
        const accessToken = await getAccessToken(deps, channel.oauth_connection_id).catch((error: unknown) => {
          if (error instanceof AppError) throw new ChannelFailure(error.message, true);
          throw error;
        });
        const mail = { from: channel.address, to: message.email!, subject: message.subject ? `Re: ${message.subject}` : 'Re: your message', text: message.body };
        sent = channel.kind === 'gmail' ? await sendThroughGmail(deps.config, accessToken, mail) : await sendThroughOutlook(deps.config, accessToken, mail);
      } else {
        throw new ChannelFailure(`A ${channel.kind} channel cannot send replies.`, false);
      }
      outcome = { delivery: 'sent', failure: null, externalId: sent.externalId };
    } catch (error) {
      if (!(error instanceof ChannelFailure)) throw error;
      channelFailure = error.credentials ? error : null;
      outcome = { delivery: 'failed', failure: error.message, externalId: null };
    }
  }
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('conversation_messages').set({ delivery: outcome.delivery, failure: outcome.failure, external_id: outcome.externalId }).where('id', '=', messageId).execute();
    if (channel && (channelFailure || outcome.delivery === 'sent')) await recordChannelOutcome(trx, channel.id, channelFailure);
    if (channel && !message.channel_id) await trx.updateTable('conversations').set({ channel_id: channel.id }).where('id', '=', message.conversation_id).execute();
  });
  return { delivery: outcome.delivery, failure: outcome.failure };
}
