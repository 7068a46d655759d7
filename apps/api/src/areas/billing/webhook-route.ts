import express, { type Request, type Response } from 'express';
import type { Db } from '@steward/db';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { processBillingEvent } from './billing.js';
import { billingProviderFor, type ProviderEvent } from './provider.js';

/** The path the billing provider posts its events to. */
export const BILLING_WEBHOOK_PATH = '/webhooks/billing';

/**
 * The billing provider's webhook. The body is read raw (the signature covers its exact bytes),
 * the signature checked before anything else, and the event applied once (processBillingEvent).
 * A failure answers 500 so that the provider delivers the event again.
 */
export function billingWebhookRoute(deps: { db: Db; config: Config; logger: Logger }) {
  const route = express.Router();
  route.post('/', express.raw({ type: () => true, limit: '512kb' }), async (req: Request, res: Response) => {
    const provider = billingProviderFor(deps.config);
    if (!provider) {
      res.status(404).json({ error: { code: 'NOT_FOUND', message: 'This installation has no billing provider.' } });
      return;
    }
    let event: ProviderEvent;
    try {
      event = provider.verifyEvent(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), req.get('stripe-signature') ?? '');
    } catch {
      deps.logger.warn('Refused a billing webhook with a signature that does not match', { requestId: req.requestId });
      res.status(400).json({ error: { code: 'BAD_REQUEST', message: 'The webhook signature does not match.' } });
      return;
    }
    try {
      const outcome = await processBillingEvent({ db: deps.db, provider, logger: deps.logger }, event, { userId: null, via: 'provider webhook', requestId: req.requestId, ip: req.ip ?? null });
      res.json({ received: true, outcome });
    } catch (error) {
      deps.logger.error('A billing event could not be applied; the provider will send it again', { eventId: event.id, type: event.type, error });
      res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: `The event could not be applied (request ${req.requestId}).` } });
    }
  });
  return route;
}
