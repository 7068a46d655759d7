import { workspaceProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import {
  createSubscriptionInput,
  deletedSubscriptionOutput,
  deliveryListOutput,
  eventCatalogueOutput,
  listDeliveriesInput,
  redeliveredOutput,
  redeliverInput,
  subscriptionListOutput,
  subscriptionOutput,
  subscriptionTargetInput,
  subscriptionWithSecretOutput,
  testEventOutput,
  updateSubscriptionInput,
} from './schemas.js';
import { createSubscription, deleteSubscription, eventCatalogue, listDeliveries, listSubscriptions, redeliver, rotateSecret, sendTestEvent, updateSubscription } from './webhooks.js';

const placeOf = (ctx: { org: { id: string }; workspace: { id: string } }) => ({ organisationId: ctx.org.id, workspaceId: ctx.workspace.id });

const TAGS = ['webhooks'];
const BASE = '/workspaces/{workspaceId}/webhooks';

/** Outgoing webhooks are workspace settings: its admins manage them (SPEC §2). */
export const webhooksRouter = router({
  events: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'GET', path: `${BASE}/events`, tags: TAGS, summary: 'The events a webhook can subscribe to, with example payloads' } })
    .output(eventCatalogueOutput)
    .query(() => eventCatalogue()),

  list: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'GET', path: BASE, tags: TAGS, summary: "A workspace's webhooks (signing secrets never shown)" } })
    .output(subscriptionListOutput)
    .query(({ ctx }) => listSubscriptions(ctx.db, placeOf(ctx))),

  create: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: BASE, tags: TAGS, summary: 'Subscribe a URL to events; the answer carries the signing secret, shown this once' } })
    .input(createSubscriptionInput)
    .output(subscriptionWithSecretOutput)
    .mutation(({ ctx, input }) => createSubscription(ctx, actorOf(ctx), placeOf(ctx), input)),

  update: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'PATCH', path: `${BASE}/{subscriptionId}`, tags: TAGS, summary: 'Change the URL, description or events, or turn the webhook off or on' } })
    .input(updateSubscriptionInput)
    .output(subscriptionOutput)
    .mutation(({ ctx, input }) => {
      const { subscriptionId, workspaceId: _workspaceId, ...changes } = input;
      return updateSubscription(ctx, actorOf(ctx), placeOf(ctx), subscriptionId, changes);
    }),

  rotateSecret: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: `${BASE}/{subscriptionId}/secret`, tags: TAGS, summary: 'Replace the signing secret; the answer carries the new one, shown this once' } })
    .input(subscriptionTargetInput)
    .output(subscriptionWithSecretOutput)
    .mutation(({ ctx, input }) => rotateSecret(ctx, actorOf(ctx), placeOf(ctx), input.subscriptionId)),

  delete: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'DELETE', path: `${BASE}/{subscriptionId}`, tags: TAGS, summary: 'Delete a webhook and its delivery log' } })
    .input(subscriptionTargetInput)
    .output(deletedSubscriptionOutput)
    .mutation(({ ctx, input }) => deleteSubscription(ctx, actorOf(ctx), placeOf(ctx), input.subscriptionId)),

  sendTestEvent: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: `${BASE}/{subscriptionId}/test`, tags: TAGS, summary: 'Send a signed test event now and say what the receiver answered' } })
    .input(subscriptionTargetInput)
    .output(testEventOutput)
    .mutation(({ ctx, input }) => sendTestEvent(ctx, actorOf(ctx), placeOf(ctx), input.subscriptionId)),

  redeliver: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: `${BASE}/{subscriptionId}/deliveries/{deliveryId}/resend`, tags: TAGS, summary: 'Resend a delivery that failed or was not sent while the webhook was off (one more attempt)' } })
    .input(redeliverInput)
    .output(redeliveredOutput)
    .mutation(({ ctx, input }) => redeliver(ctx, actorOf(ctx), placeOf(ctx), input.subscriptionId, input.deliveryId)),

  deliveries: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'GET', path: `${BASE}/{subscriptionId}/deliveries`, tags: TAGS, summary: 'The delivery log: each delivery with its attempts, response codes and timings' } })
    .input(listDeliveriesInput)
    .output(deliveryListOutput)
    .query(({ ctx, input }) => listDeliveries(ctx.db, placeOf(ctx), input.subscriptionId, input)),
});
