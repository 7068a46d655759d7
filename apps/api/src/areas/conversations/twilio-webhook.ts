import express, { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import { openChannelSecret, twilioWebhookPath } from '../channels/channels.js';
import { twilioSignatureIsValid } from '../channels/twilio.js';
import { receiveInboundMessage } from './inbound.js';
import type { OutboundDeps } from './outbound.js';

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/**
 * POST /webhooks/twilio/:channelId/sms — Twilio's inbound SMS for a Twilio SMS channel. The
 * X-Twilio-Signature is checked with the channel's Auth Token over the address shown to the admin
 * (PUBLIC_URL + path); anything unsigned or signed otherwise is refused with 403.
 * The message goes to the oldest inbox the channel feeds.
 */
export function twilioWebhookRoutes(deps: OutboundDeps & { logger: Logger }) {
  const routes = Router();
  routes.post('/webhooks/twilio/:channelId/sms', express.urlencoded({ extended: false, limit: '64kb' }), async (req: Request, res: Response) => {
    const channelId = String(req.params.channelId ?? '');
    const refuse = (status: number, message: string) => res.status(status).type('text').send(message);
    if (!z.uuid().safeParse(channelId).success) return refuse(404, 'Unknown channel.');
    const channel = await deps.db.selectFrom('channels').selectAll().where('id', '=', channelId).where('kind', '=', 'twilio_sms').executeTakeFirst();
    if (!channel) return refuse(404, 'Unknown channel.');
    const params = Object.fromEntries(Object.entries((req.body ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    const url = new URL(twilioWebhookPath(channelId), deps.config.publicUrl).toString();
    const authToken = openChannelSecret(deps.keyring, channel) ?? '';
    if (!twilioSignatureIsValid(authToken, req.get('x-twilio-signature'), url, params)) {
      deps.logger.warn('Refused an inbound SMS with a bad Twilio signature', { channelId, requestId: req.requestId });
      return refuse(403, 'The Twilio signature is not valid.');
    }
    if (params.AccountSid !== (channel.settings as { accountSid?: string }).accountSid || !params.From || params.Body === undefined) {
      return refuse(400, 'This request is not an SMS for this channel.');
    }
    const inbox = await deps.db.selectFrom('inbox_channels as ic').innerJoin('inboxes as i', 'i.id', 'ic.inbox_id').select('i.id').where('ic.channel_id', '=', channelId).orderBy('i.created_at').limit(1).executeTakeFirst();
    if (!inbox) {
      deps.logger.warn('An inbound SMS arrived for a channel that feeds no inbox', { channelId });
      return res.type('text/xml').send(EMPTY_TWIML);
    }
    await receiveInboundMessage(
      deps,
      { organisationId: channel.organisation_id, workspaceId: channel.workspace_id },
      { inboxId: inbox.id, channelId, from: { phone: params.From }, body: params.Body ?? '', externalId: params.MessageSid ?? null },
    );
    res.type('text/xml').send(EMPTY_TWIML);
  });
  return routes;
}
