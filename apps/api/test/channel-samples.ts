import { randomBytes } from 'node:crypto';
import { actorFor, addMember, type TestApp } from '@steward/test-kit';
import { createSmtpChannel } from '../src/areas/channels/channels.js';
import { receiveInboundMessage } from '../src/areas/conversations/inbound.js';
import type { SampleTarget } from './procedure-samples.js';

const unique = () => randomBytes(4).toString('hex');

/**
 * Samples for the channels, inboxes and conversations procedures (see procedure-samples.ts).
 * SMTP channels point at a closed local port, so a test or a reply fails fast and in words.
 */
export function channelSamples(getApp: () => TestApp): Record<string, (t: SampleTarget) => Promise<Record<string, unknown>>> {
  const place = (t: SampleTarget) => ({ organisationId: t.organisationId, workspaceId: t.workspaceId });
  const freshChannel = async (t: SampleTarget) =>
    (
      await createSmtpChannel(getApp(), actorFor(t.admin), place(t), {
        name: 'Sample mail',
        address: `mail-${unique()}@example.org`,
        host: '127.0.0.1',
        port: 9,
        tlsMode: 'none',
        username: 'sample',
        password: 'sample-password',
      })
    ).id;
  const freshInbox = async (t: SampleTarget, channelId?: string) => {
    const inbox = await getApp()
      .db.insertInto('inboxes')
      .values({ organisation_id: t.organisationId, workspace_id: t.workspaceId, name: `Inbox ${unique()}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (channelId) await getApp().db.insertInto('inbox_channels').values({ workspace_id: t.workspaceId, inbox_id: inbox.id, channel_id: channelId }).execute();
    return inbox.id;
  };
  const freshConversation = async (t: SampleTarget) => {
    const inboxId = await freshInbox(t, await freshChannel(t));
    return (await receiveInboundMessage(getApp(), place(t), { inboxId, channelId: null, from: { email: `sender-${unique()}@example.org` }, body: 'Hello' })).conversationId;
  };
  /** An agent of a new inbox of the target workspace, with a conversation waiting in it. */
  const freshAssignment = async (t: SampleTarget) => {
    const conversationId = await freshConversation(t);
    const agent = await addMember(getApp().db, t.organisationId, `agent-${unique()}@example.org`, 'member', [{ workspaceId: t.workspaceId, role: 'member' }]);
    const { inbox_id } = await getApp().db.selectFrom('conversations').select('inbox_id').where('id', '=', conversationId).executeTakeFirstOrThrow();
    await getApp().db.insertInto('inbox_agents').values({ workspace_id: t.workspaceId, inbox_id, user_id: agent.id }).execute();
    return { conversationId, userId: agent.id };
  };
  return {
    'channels.list': async (t) => ({ workspaceId: t.workspaceId }),
    'channels.get': async (t) => ({ workspaceId: t.workspaceId, channelId: await freshChannel(t) }),
    'channels.createSmtp': async (t) => ({
      workspaceId: t.workspaceId,
      name: 'Mail',
      address: `smtp-${unique()}@example.org`,
      host: 'smtp.example.org',
      port: 587,
      tlsMode: 'starttls',
      username: 'mailer',
      password: 'smtp-secret-1',
    }),
    'channels.createTwilio': async (t) => ({
      workspaceId: t.workspaceId,
      kind: 'twilio_sms',
      name: 'SMS',
      accountSid: `AC${randomBytes(16).toString('hex')}`,
      authToken: randomBytes(16).toString('hex'),
      phoneNumber: `+4477009${Math.floor(10000 + Math.random() * 89999)}`,
    }),
    'channels.connectOAuth': async (t) => {
      // Starting a connect needs a configured provider; its endpoints are not called until the user consents.
      const config = getApp().config;
      config.oauthProviders.gmail ??= {
        id: 'gmail',
        label: 'Gmail',
        clientId: 'sample-client',
        clientSecret: 'sample-secret',
        authorizeUrl: 'http://127.0.0.1:9/authorize',
        tokenUrl: 'http://127.0.0.1:9/token',
        revokeUrl: null,
        userinfoUrl: null,
        scopes: ['email'],
      };
      return { workspaceId: t.workspaceId, kind: 'gmail', name: 'Gmail', returnTo: '/settings' };
    },
    'channels.update': async (t) => ({ workspaceId: t.workspaceId, channelId: await freshChannel(t), name: 'Renamed', password: 'new-smtp-secret' }),
    'channels.test': async (t) => ({ workspaceId: t.workspaceId, channelId: await freshChannel(t) }),
    'channels.remove': async (t) => ({ workspaceId: t.workspaceId, channelId: await freshChannel(t) }),
    'inboxes.list': async (t) => ({ workspaceId: t.workspaceId }),
    'inboxes.get': async (t) => ({ workspaceId: t.workspaceId, inboxId: await freshInbox(t) }),
    'inboxes.create': async (t) => ({
      workspaceId: t.workspaceId,
      name: `Support ${unique()}`,
      assignment: 'round_robin',
      businessHours: { mon: { open: '09:00', close: '17:00' } },
      outOfOfficeMessage: 'Back soon',
      sla: { firstResponseMinutes: 60, businessHoursOnly: true },
      csat: { enabled: true, question: 'How did we do?' },
    }),
    'inboxes.update': async (t) => ({ workspaceId: t.workspaceId, inboxId: await freshInbox(t), assignment: 'load_balanced', agentCap: 5 }),
    'inboxes.delete': async (t) => ({ workspaceId: t.workspaceId, inboxId: await freshInbox(t) }),
    'conversations.list': async (t) => ({ workspaceId: t.workspaceId, inboxId: await freshInbox(t) }),
    'conversations.get': async (t) => ({ workspaceId: t.workspaceId, conversationId: await freshConversation(t) }),
    'conversations.receive': async (t) => ({ workspaceId: t.workspaceId, inboxId: await freshInbox(t), from: { email: `visitor-${unique()}@example.org` }, body: 'Hi there' }),
    'conversations.assign': async (t) => ({ workspaceId: t.workspaceId, ...(await freshAssignment(t)) }),
    'conversations.reply': async (t) => ({ workspaceId: t.workspaceId, conversationId: await freshConversation(t), body: 'Thanks, on it.' }),
    'conversations.resolve': async (t) => ({ workspaceId: t.workspaceId, conversationId: await freshConversation(t) }),
  };
}
