import express, { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { escapeHtml } from '../../html.js';
import type { Logger } from '../../logger.js';
import { openChannelSecret, twilioWebhookPath } from '../channels/channels.js';
import { twilioSignatureIsValid } from '../channels/twilio.js';
import { receiveInboundMessage } from './inbound.js';
import type { OutboundDeps } from './outbound.js';

const twiml = (inner = '') => `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`;

/**
 * Twilio's webhooks for Twilio channels, each checked with the channel's Auth Token over the
 * address shown to the admin (PUBLIC_URL + path); anything unsigned or signed otherwise is 403:
 * - POST /webhooks/twilio/:channelId/sms — an inbound SMS (Twilio SMS channel);
 * - POST /webhooks/twilio/:channelId/voice — an incoming call (Twilio Voice channel): noted in the
 *   caller's conversation; the answer says the out-of-office reply when closed, else that the team will call back.
 * The message goes to the oldest inbox the channel feeds.
 */
export function twilioWebhookRoutes(deps: OutboundDeps & { logger: Logger }) {
  const routes = Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  async function verified(req: Request, res: Response, kind: 'twilio_sms' | 'twilio_voice', path: 'sms' | 'voice') {
    const channelId = String(req.params.channelId ?? '');
    const refuse = (status: number, message: string) => {
      res.status(status).type('text').send(message);
      return null;
    };
    if (!z.uuid().safeParse(channelId).success) return refuse(404, 'Unknown channel.');
    const channel = await deps.db.selectFrom('channels').selectAll().where('id', '=', channelId).where('kind', '=', kind).executeTakeFirst();
    if (!channel) return refuse(404, 'Unknown channel.');
    const params = Object.fromEntries(Object.entries((req.body ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    const url = new URL(twilioWebhookPath(channelId, path), deps.config.publicUrl).toString();
    const authToken = openChannelSecret(deps.keyring, channel) ?? '';
    if (!twilioSignatureIsValid(authToken, req.get('x-twilio-signature'), url, params)) {
      deps.logger.warn('Refused a Twilio webhook with a bad signature', { channelId, requestId: req.requestId });
      return refuse(403, 'The Twilio signature is not valid.');
    }
    if (params.AccountSid !== (channel.settings as { accountSid?: string }).accountSid || !params.From) return refuse(400, 'This request is not for this channel.');
    const inbox = await deps.db
      .selectFrom('inbox_channels as ic')
      .innerJoin('inboxes as i', 'i.id', 'ic.inbox_id')
      .select(['i.id', 'i.name'])
      .where('ic.channel_id', '=', channelId)
      .orderBy('i.created_at')
      .limit(1)
      .executeTakeFirst();
    if (!inbox) deps.logger.warn('A Twilio webhook arrived for a channel that feeds no inbox', { channelId });
    return { channel, params, inbox: inbox ?? null };
  }

  routes.post('/webhooks/twilio/:channelId/sms', form, async (req: Request, res: Response) => {
    const checked = await verified(req, res, 'twilio_sms', 'sms');
    if (!checked) return;
    const { channel, params, inbox } = checked;
    if (inbox && params.Body !== undefined) {
      await receiveInboundMessage(
        deps,
        { organisationId: channel.organisation_id, workspaceId: channel.workspace_id },
        { inboxId: inbox.id, channelId: channel.id, from: { phone: params.From }, body: params.Body, externalId: params.MessageSid ?? null },
      );
    }
    res.type('text/xml').send(twiml());
  });

  routes.post('/webhooks/twilio/:channelId/voice', form, async (req: Request, res: Response) => {
    const checked = await verified(req, res, 'twilio_voice', 'voice');
    if (!checked) return;
    const { channel, params, inbox } = checked;
    if (!inbox) return res.type('text/xml').send(twiml('<Say>Sorry, nobody can take your call at this number.</Say><Hangup/>'));
    const received = await receiveInboundMessage(
      deps,
      { organisationId: channel.organisation_id, workspaceId: channel.workspace_id },
      { inboxId: inbox.id, channelId: channel.id, from: { phone: params.From }, body: `Incoming call from ${params.From}.`, externalId: params.CallSid ?? null, call: true },
    );
    const words = received.outOfOfficeSpoken ?? `Thank you for calling ${inbox.name}. We have your number and will call you back.`;
    res.type('text/xml').send(twiml(`<Say>${escapeHtml(words)}</Say><Hangup/>`));
  });
  return routes;
}
