import { escapeHtml } from '../../html.js';
import type { NotificationEvent } from './catalogue.js';

/** What each event carries, written when it happens (names as they were then). */
export interface NotificationPayloads {
  'deal.stage_changed': { dealId: string; dealName: string; fromStage: string | null; toStage: string; movedBy: string };
  'import.finished': { importId: string; fileName: string; state: 'completed' | 'failed'; created: number; updated: number; rejected: number; reason: string | null };
  'campaign.sent': { campaignId: string; campaignName: string; sent: number; failed: number };
  'campaign.failed': { campaignId: string; campaignName: string; reason: string };
  'invitation.accepted': { invitationId: string; name: string; email: string };
  'api_key.expiring': { apiKeyId: string; name: string; prefix: string; expiresAt: string };
  'webhook.disabled': { subscriptionId: string; url: string; failures: number; lastError: string | null };
  'conversation.assigned': { conversationId: string; inboxId: string; inboxName: string; contactName: string; assignedBy: string | null };
  'conversation.replied': { conversationId: string; inboxId: string; inboxName: string; contactName: string; excerpt: string };
}

/** Where an event happened, read when it is shown. */
export interface NotificationPlace {
  organisationId: string;
  organisationName: string;
  workspaceName: string | null;
  workspaceSlug: string | null;
}

export interface NotificationMessage {
  title: string;
  body: string;
  /** The console page it is about, from the site's root. */
  path: string;
}

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
const inWorkspace = (place: NotificationPlace) => (place.workspaceName ? ` in ${place.workspaceName}` : '');
const page = (place: NotificationPlace, area: string) => `/orgs/${place.organisationId}/${area}${place.workspaceSlug ? `/${encodeURIComponent(place.workspaceSlug)}` : ''}`;

/** The words of each event; a new event in the catalogue fails the build until it has them here. */
const MESSAGES: { [E in NotificationEvent]: (payload: NotificationPayloads[E], place: NotificationPlace) => NotificationMessage } = {
  'deal.stage_changed': (p, place) => ({
    title: `${p.dealName} moved to ${p.toStage}`,
    body: `${p.movedBy} moved your deal ${p.dealName}${p.fromStage ? ` from ${p.fromStage}` : ''} to ${p.toStage}${inWorkspace(place)}.`,
    path: page(place, 'deals'),
  }),
  'import.finished': (p, place) =>
    p.state === 'completed'
      ? {
          title: `Import of ${p.fileName} finished`,
          body: `${count(p.created, 'contact')} created, ${count(p.updated, 'contact')} updated and ${count(p.rejected, 'row')} rejected${inWorkspace(place)}.`,
          path: page(place, 'contacts'),
        }
      : { title: `Import of ${p.fileName} failed`, body: `${p.reason ?? 'The import stopped.'}`, path: page(place, 'contacts') },
  'campaign.sent': (p, place) => ({
    title: `Campaign ${p.campaignName} sent`,
    body: `It went to ${count(p.sent, 'recipient')}${p.failed ? `; ${count(p.failed, 'email')} could not be sent` : ''}${inWorkspace(place)}.`,
    path: page(place, 'campaigns'),
  }),
  'campaign.failed': (p, place) => ({ title: `Campaign ${p.campaignName} failed`, body: p.reason, path: page(place, 'campaigns') }),
  'invitation.accepted': (p, place) => ({
    title: `${p.name} joined ${place.organisationName}`,
    body: `${p.name} (${p.email}) accepted your invitation to ${place.organisationName}.`,
    path: `/orgs/${place.organisationId}`,
  }),
  'api_key.expiring': (p, place) => ({
    title: `API key ${p.name} expires soon`,
    body: `Your API key ${p.name} (${p.prefix}…) for ${place.organisationName} expires on ${new Date(p.expiresAt).toUTCString()}. Create a new one before then.`,
    path: `/orgs/${place.organisationId}/api-keys`,
  }),
  'webhook.disabled': (p, place) => ({
    title: `Webhook to ${p.url} turned off`,
    body: `${count(p.failures, 'delivery', 'deliveries')} in a row to ${p.url} failed every attempt${inWorkspace(place)}, so Steward stopped sending to it${p.lastError ? ` (last error: ${p.lastError})` : ''}. Fix the receiver, send a test event, then turn the webhook back on.`,
    path: page(place, 'webhooks'),
  }),
  'conversation.assigned': (p, place) => ({
    title: `Conversation with ${p.contactName} assigned to you`,
    body: `${p.assignedBy ? `${p.assignedBy} assigned you` : `The ${p.inboxName} inbox's rule gave you`} the conversation with ${p.contactName}${inWorkspace(place)}.`,
    path: page(place, 'inboxes'),
  }),
  'conversation.replied': (p, place) => ({
    title: `${p.contactName} replied`,
    body: `${p.contactName} wrote again in ${p.inboxName}${inWorkspace(place)}: “${p.excerpt}”`,
    path: page(place, 'inboxes'),
  }),
};

export function messageFor(event: string, payload: unknown, place: NotificationPlace): NotificationMessage {
  const render = MESSAGES[event as NotificationEvent] as ((p: unknown, place: NotificationPlace) => NotificationMessage) | undefined;
  // An event no longer in the catalogue (a row older than a change) still reads as something.
  return render ? render(payload, place) : { title: 'Notification', body: '', path: `/orgs/${place.organisationId}` };
}

/** The email of a notification: the same words, a link to the page and to one's preferences. */
export function notificationEmail(message: NotificationMessage, place: NotificationPlace, publicUrl: string | URL) {
  const link = new URL(message.path, publicUrl).href;
  const preferences = new URL(`/orgs/${place.organisationId}/notifications/preferences`, publicUrl).href;
  const text = `${message.body}

Open Steward: ${link}

You get this email because of your notification preferences in ${place.organisationName}: ${preferences}`;
  const html = `<p>${escapeHtml(message.body)}</p>
<p><a href="${escapeHtml(link)}">Open Steward</a></p>
<p style="color:#666;font-size:12px">You get this email because of your <a href="${escapeHtml(preferences)}">notification preferences</a> in ${escapeHtml(place.organisationName)}.</p>`;
  return { subject: message.title.replace(/\s+/g, ' '), text, html };
}
