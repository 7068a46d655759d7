/**
 * The events Steward tells people about, as data: the server reads the defaults and scopes, the
 * console the labels (it imports this file as `@steward/api/notification-events`, so it must stay
 * free of imports). A person chooses, per event and per workspace, how they hear of it.
 *
 * Adding an event (e.g. the inboxes' "conversation assigned"):
 * 1. an entry here;
 * 2. its payload type and its words in `messages.ts` (the build fails until both exist);
 * 3. `emitNotification(trx, jobs, …)` in the transaction that makes it happen (notifications.ts).
 * The preferences page, the notification centre and the email follow by themselves.
 */

export const NOTIFICATION_CHANNELS = ['in_app', 'email', 'both', 'off'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

export interface NotificationEventDefinition {
  /**
   * `workspace`: it happens in a workspace, and the preference is per workspace.
   * `organisation`: it concerns the organisation as a whole (one preference for it there).
   */
  scope: 'workspace' | 'organisation';
  label: string;
  /** When it is sent, and to whom, in the words of the preferences page. */
  description: string;
  /** What a person gets before choosing. */
  defaultChannel: NotificationChannel;
}

export const NOTIFICATION_EVENTS = {
  'deal.stage_changed': {
    scope: 'workspace',
    label: 'Deal stage changed',
    description: 'Someone else moves a deal you own to another pipeline stage.',
    defaultChannel: 'in_app',
  },
  'import.finished': {
    scope: 'workspace',
    label: 'Import finished',
    description: 'A contact import you started has completed or failed.',
    defaultChannel: 'in_app',
  },
  'campaign.sent': {
    scope: 'workspace',
    label: 'Campaign sent',
    description: 'A campaign you created has finished sending.',
    defaultChannel: 'in_app',
  },
  'campaign.failed': {
    scope: 'workspace',
    label: 'Campaign failed',
    description: 'A campaign you created stopped on an error and waits to be resumed.',
    defaultChannel: 'both',
  },
  'invitation.accepted': {
    scope: 'organisation',
    label: 'Invitation accepted',
    description: 'Someone accepts an invitation you sent.',
    defaultChannel: 'in_app',
  },
  'api_key.expiring': {
    scope: 'organisation',
    label: 'API key expiring',
    description: 'One of your API keys expires within 7 days (once per expiry date).',
    defaultChannel: 'both',
  },
  'webhook.disabled': {
    scope: 'workspace',
    label: 'Webhook turned off',
    description: 'A webhook of a workspace you administer was turned off after its deliveries kept failing.',
    defaultChannel: 'both',
  },
  'conversation.assigned': {
    scope: 'workspace',
    label: 'Conversation assigned to me',
    description: "A conversation of an inbox you work is given to you, by the inbox's rule or by someone else.",
    defaultChannel: 'in_app',
  },
  'conversation.replied': {
    scope: 'workspace',
    label: 'Replied to',
    description: 'The contact writes again in a conversation assigned to you.',
    defaultChannel: 'in_app',
  },
} as const satisfies Record<string, NotificationEventDefinition>;

export type NotificationEvent = keyof typeof NOTIFICATION_EVENTS;
export const NOTIFICATION_EVENT_KEYS = Object.keys(NOTIFICATION_EVENTS) as NotificationEvent[];

/** The events whose preference is set per workspace, or once for the organisation. */
export const eventsOfScope = (scope: NotificationEventDefinition['scope']) => NOTIFICATION_EVENT_KEYS.filter((e) => NOTIFICATION_EVENTS[e].scope === scope);

export const CHANNEL_LABELS: Record<NotificationChannel, string> = { in_app: 'In-app', email: 'Email', both: 'In-app and email', off: 'Off' };
