/**
 * The events a workspace's webhooks can subscribe to, as data: the console lists them, the API
 * validates subscriptions against them, and the README shows their example payloads. Every
 * delivery's body is an envelope `{ id, type, createdAt, organisationId, workspaceId, data }`;
 * `data` is what each entry below shows.
 */
export const WEBHOOK_EVENTS = {
  'contact.created': {
    label: 'Contact created',
    description: 'A contact was created in this workspace, or a person already known in the organisation was added to it.',
    example: { contact: { id: 'c0a8…', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', phone: null, country: 'GB', language: 'en', assigneeUserId: null, values: {} }, via: 'create' },
  },
  'contact.updated': {
    label: 'Contact updated',
    description: "A contact's fields, values or assignee changed in this workspace.",
    example: { contact: { id: 'c0a8…', firstName: 'Ada', lastName: 'King', email: 'ada@example.org' }, changed: ['lastName'] },
  },
  'contact.deleted': {
    label: 'Contact deleted',
    description: 'A contact was removed from this workspace, or deleted from the whole organisation.',
    example: { contact: { id: 'c0a8…', email: 'ada@example.org' }, removed: 'everywhere' },
  },
  'consent.changed': {
    label: 'Consent changed',
    description: "A contact's subscription changed: globally, for this workspace, or for one email category.",
    example: { contactId: 'c0a8…', level: 'category', categoryId: '7f1e…', previous: 'subscribed', status: 'unsubscribed', source: 'unsubscribe_link' },
  },
  'deal.stage_changed': {
    label: 'Deal stage changed',
    description: 'A deal moved to another pipeline stage.',
    example: { deal: { id: '5d2b…', name: 'Acme renewal', amount: '1200.00', currency: 'EUR' }, from: { id: '11aa…', name: 'Qualified' }, to: { id: '22bb…', name: 'Proposal' } },
  },
  'conversation.assigned': {
    label: 'Conversation assigned',
    description: 'A conversation of one of the workspace’s inboxes was assigned to an agent (by rule or by hand).',
    example: { conversationId: '9c3d…', inboxId: '4e5f…', assigneeUserId: 'a1b2…', previousAssigneeUserId: null },
  },
} as const satisfies Record<string, { label: string; description: string; example: Record<string, unknown> }>;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as [WebhookEventType, ...WebhookEventType[]];

/** Sent only by "Send test event", to one subscription, whatever events it subscribes to. */
export const TEST_EVENT_TYPE = 'webhook.test';
