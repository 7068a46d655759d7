import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { addMember, type FakeTwilio, postTwilioInboundSms, startFakeTwilio, twilioSignature, useStewardApp } from '@steward/test-kit';
import { WEEKDAYS } from '../inboxes/business-hours.js';

/**
 * Conversations that the inbox settings act on: inbound SMS through Twilio's signed webhook
 * (the stand-in's account and signature), inbound over REST with a key, assignment by rule,
 * out-of-office once, SLA due times and state, reply through the channel, resolve.
 */

const env: Record<string, string> = {};
let twilio: FakeTwilio;
beforeAll(async () => {
  twilio = await startFakeTwilio();
  Object.assign(env, twilio.env());
});
afterAll(() => twilio?.close());
const steward = useStewardApp({ workers: false, organisation: 'Acme', env });

const workspaceId = () => steward.org.chapterWorkspaceId;
const call = async <T>(procedure: string, input: Record<string, unknown>, kind: 'query' | 'mutation' = 'mutation') => {
  const result = await steward.org.admin.agent.trpc<T>(procedure, { workspaceId: workspaceId(), ...input }, kind);
  return result;
};
const ok = <T>(result: { data: T; error: unknown; text: string }) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};

let agents: { id: string; email: string }[];
let account: { accountSid: string; authToken: string };
let channel: { id: string; inboundWebhookUrl: string };
const NUMBER = '+447700900100';

interface Inbox {
  id: string;
}
interface Summary {
  id: string;
  status: string;
  assignee: { userId: string } | null;
  contact: { phone: string | null; email: string | null };
  sla: { state: string; firstResponseDueAt: string | null; resolutionDueAt: string | null; nextDueAt: string | null };
}

/** Hours open every day all day, or only on a day that is not today in the workspace's zone (closed now). */
function hours(kind: 'open' | 'closed') {
  if (kind === 'open') return Object.fromEntries(WEEKDAYS.map((d) => [d, { open: '00:00', close: '24:00' }]));
  const today = WEEKDAYS[DateTime.now().setZone('UTC').weekday - 1]!;
  const other = WEEKDAYS.find((d) => d !== today)!;
  return { [other]: { open: '09:00', close: '17:00' } };
}

async function makeInbox(name: string, settings: Record<string, unknown> = {}) {
  return ok(
    await call<Inbox>('inboxes.create', {
      name,
      channelIds: [channel.id],
      agentUserIds: agents.map((a) => a.id),
      assignment: 'round_robin',
      sla: { firstResponseMinutes: 60, nextResponseMinutes: 30, resolutionMinutes: 24 * 60, businessHoursOnly: false },
      ...settings,
    }),
  );
}

const conversations = async (inboxId: string, status = 'all') => ok(await call<{ conversations: Summary[] }>('conversations.list', { inboxId, status }, 'query')).conversations;
const sms = (from: string, body: string, options: { signature?: string } = {}) =>
  postTwilioInboundSms(channel.inboundWebhookUrl, { accountSid: account.accountSid, from, to: NUMBER, body }, account.authToken, options);

beforeAll(async () => {
  await steward.db.updateTable('workspaces').set({ timezone: 'UTC' }).where('id', '=', workspaceId()).execute();
  agents = [];
  for (const name of ['ada', 'bo', 'cy']) {
    agents.push(await addMember(steward.db, steward.org.organisationId, `${name}@acme.example`, 'member', [{ workspaceId: workspaceId(), role: 'member' }]));
  }
  account = twilio.addAccount('Acme');
  channel = ok(
    await call<{ id: string; inboundWebhookUrl: string }>('channels.createTwilio', { kind: 'twilio_sms', name: 'Support SMS', accountSid: account.accountSid, authToken: account.authToken, phoneNumber: NUMBER }),
  );
});

// The channel feeds the oldest inbox: each test starts with none.
afterEach(async () => {
  await steward.db.deleteFrom('inboxes').where('workspace_id', '=', workspaceId()).execute();
});

describe('inbound SMS through Twilio\'s signed webhook', () => {
  it('opens a conversation with a new contact, assigned by the inbox\'s rule, with its SLA due times', async () => {
    const inbox = await makeInbox('Support', { businessHours: hours('open'), outOfOfficeMessage: 'We are closed.' });
    const before = Date.now();
    const response = await sms('+447700900201', 'Hello, my order is late');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<Response>');

    const [conversation] = await conversations(inbox.id);
    expect(conversation).toMatchObject({ status: 'open', assignee: { userId: agents[0]!.id }, contact: { phone: '+447700900201' }, sla: { state: 'on_track' } });
    const firstDue = Date.parse(conversation!.sla.firstResponseDueAt!);
    expect(firstDue).toBeGreaterThanOrEqual(before + 60 * 60_000 - 1000);
    expect(firstDue).toBeLessThanOrEqual(Date.now() + 60 * 60_000);
    expect(Date.parse(conversation!.sla.resolutionDueAt!) - firstDue).toBeGreaterThan(22 * 60 * 60_000);
    const contact = await steward.db.selectFrom('contact_workspaces as cw').innerJoin('contacts as c', 'c.id', 'cw.contact_id').select('c.phone').where('cw.workspace_id', '=', workspaceId()).where('c.phone', '=', '+447700900201').execute();
    expect(contact).toHaveLength(1);

    // The next sender goes to the next agent; the same sender continues their conversation.
    await sms('+447700900202', 'Hi');
    await sms('+447700900201', 'Any news?');
    const all = await conversations(inbox.id);
    expect(all).toHaveLength(2);
    expect(all.find((c) => c.contact.phone === '+447700900202')!.assignee!.userId).toBe(agents[1]!.id);
    // The message that continued a conversation used up no turn: the next new one goes to the third agent.
    await sms('+447700900203', 'Hello there');
    expect((await conversations(inbox.id)).find((c) => c.contact.phone === '+447700900203')!.assignee!.userId).toBe(agents[2]!.id);
    // The agents hear of it: assigned by the rule, then the contact wrote again.
    const told = await steward.db.selectFrom('notifications').select(['user_id', 'event']).where('user_id', '=', agents[0]!.id).orderBy('created_at').execute();
    expect(told.map((n) => n.event)).toEqual(['conversation.assigned', 'conversation.replied']);
    // Inside business hours: no out-of-office reply.
    expect(twilio.messages.filter((m) => m.body === 'We are closed.')).toEqual([]);
  });

  it('outside business hours sends the out-of-office reply once per conversation, through Twilio', async () => {
    const inbox = await makeInbox('After hours', { businessHours: hours('closed'), outOfOfficeMessage: 'We are closed until Monday 9:00.' });
    await sms('+447700900301', 'Are you there?');
    await sms('+447700900301', 'Hello??');
    await sms('+447700900301', 'Please answer');
    const replies = twilio.messages.filter((m) => m.to === '+447700900301');
    expect(replies).toEqual([expect.objectContaining({ from: NUMBER, body: 'We are closed until Monday 9:00.', accountSid: account.accountSid })]);
    const [conversation] = await conversations(inbox.id);
    const detail = ok(await call<{ messages: { direction: string; kind: string; delivery: string }[] }>('conversations.get', { conversationId: conversation!.id }, 'query'));
    expect(detail.messages.map((m) => `${m.direction}/${m.kind}/${m.delivery}`)).toEqual(['inbound/message/received', 'outbound/out_of_office/sent', 'inbound/message/received', 'inbound/message/received']);
  });

  it('refuses a request with a bad signature, or signed with another token, and takes nothing in', async () => {
    const inbox = await makeInbox('Guarded');
    const forged = await sms('+447700900401', 'Forged', { signature: 'bm90IGEgc2lnbmF0dXJl' });
    expect(forged.status).toBe(403);
    const otherToken = await sms('+447700900401', 'Forged', { signature: twilioSignature('0'.repeat(32), channel.inboundWebhookUrl, { Body: 'Forged' }) });
    expect(otherToken.status).toBe(403);
    const unsigned = await fetch(channel.inboundWebhookUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'From=%2B447700900401&Body=x' });
    expect(unsigned.status).toBe(403);
    expect(await conversations(inbox.id)).toEqual([]);
  });

  it('adds a message Twilio delivers twice only once', async () => {
    const inbox = await makeInbox('Retries');
    const params = { MessageSid: 'SM0123456789abcdef0123456789abcdef', AccountSid: account.accountSid, From: '+447700900501', To: NUMBER, Body: 'Once' };
    const post = () =>
      fetch(channel.inboundWebhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(account.authToken, channel.inboundWebhookUrl, params) },
        body: new URLSearchParams(params).toString(),
      });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);
    const [conversation] = await conversations(inbox.id);
    const detail = ok(await call<{ messages: unknown[] }>('conversations.get', { conversationId: conversation!.id }, 'query'));
    expect(detail.messages).toHaveLength(1);
  });
});

describe('incoming calls on a Twilio Voice channel', () => {
  it('note the call in the caller\'s conversation and say the out-of-office reply, once, when closed', async () => {
    const voice = ok(
      await call<{ id: string; inboundWebhookUrl: string }>('channels.createTwilio', { kind: 'twilio_voice', name: 'Support line', accountSid: account.accountSid, authToken: account.authToken, phoneNumber: '+447700900999' }),
    );
    expect(voice.inboundWebhookUrl).toBe(`${steward.app.url}/webhooks/twilio/${voice.id}/voice`);
    const inbox = await makeInbox('Phone', { channelIds: [voice.id], businessHours: hours('closed'), outOfOfficeMessage: 'We are closed; we open at nine.' });
    const ring = (callSid: string, signature?: string) => {
      const params = { CallSid: callSid, AccountSid: account.accountSid, From: '+447700900888', To: '+447700900999', CallStatus: 'ringing', Direction: 'inbound' };
      return fetch(voice.inboundWebhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature ?? twilioSignature(account.authToken, voice.inboundWebhookUrl, params) },
        body: new URLSearchParams(params).toString(),
      });
    };
    const first = await ring('CA00000000000000000000000000000001');
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('<Say>We are closed; we open at nine.</Say><Hangup/>');
    const second = await ring('CA00000000000000000000000000000002');
    expect(await second.text()).toContain('<Say>Thank you for calling Phone.');
    expect((await ring('CA00000000000000000000000000000003', 'bm9wZQ==')).status).toBe(403);

    const [conversation] = await conversations(inbox.id);
    const detail = ok(await call<{ messages: { body: string; kind: string; delivery: string }[] }>('conversations.get', { conversationId: conversation!.id }, 'query'));
    expect(detail.messages.map((m) => `${m.kind}/${m.delivery}/${m.body}`)).toEqual([
      'message/received/Incoming call from +447700900888.',
      'out_of_office/sent/We are closed; we open at nine.',
      'message/received/Incoming call from +447700900888.',
    ]);
    // Said in the call, not texted.
    expect(twilio.messages.filter((m) => m.to === '+447700900888')).toEqual([]);
  });
});

describe('working a conversation', () => {
  it('reply goes out through Twilio and meets the first-response target; a new message starts the next-response clock; resolve closes it', async () => {
    const inbox = await makeInbox('Work', { csat: { enabled: true, question: 'How did we do, 1 to 5?' } });
    await sms('+447700900601', 'Where is my parcel?');
    const [conversation] = await conversations(inbox.id);
    const replied = ok(await call<{ message: { delivery: string }; conversation: Summary }>('conversations.reply', { conversationId: conversation!.id, body: 'It ships today.' }));
    expect(replied.message.delivery).toBe('sent');
    expect(twilio.messages.at(-1)).toMatchObject({ to: '+447700900601', from: NUMBER, body: 'It ships today.' });
    expect(replied.conversation.sla.state).toBe('on_track');

    await sms('+447700900601', 'Thanks, and the invoice?');
    const [waiting] = await conversations(inbox.id);
    const detail = ok(await call<{ sla: { nextResponseDueAt: string | null } }>('conversations.get', { conversationId: waiting!.id }, 'query'));
    expect(Date.parse(detail.sla.nextResponseDueAt!)).toBeGreaterThan(Date.now() + 25 * 60_000);

    const resolved = ok(await call<Summary>('conversations.resolve', { conversationId: conversation!.id }));
    expect(resolved.status).toBe('resolved');
    // The inbox runs a CSAT survey: its question went to the contact, once.
    expect(twilio.messages.filter((m) => m.to === '+447700900601' && m.body === 'How did we do, 1 to 5?')).toHaveLength(1);
    ok(await call<Summary>('conversations.resolve', { conversationId: conversation!.id }));
    expect(twilio.messages.filter((m) => m.to === '+447700900601' && m.body === 'How did we do, 1 to 5?')).toHaveLength(1);
    expect(await conversations(inbox.id, 'open')).toEqual([]);
    // A later message opens a new conversation.
    await sms('+447700900601', 'One more thing');
    expect(await conversations(inbox.id, 'open')).toHaveLength(1);
  });

  it('shows a missed target as breached', async () => {
    const inbox = await makeInbox('Late');
    await sms('+447700900701', 'Hello?');
    const [conversation] = await conversations(inbox.id);
    await steward.db.updateTable('conversations').set({ first_response_due_at: new Date(Date.now() - 60_000) }).where('id', '=', conversation!.id).execute();
    const [late] = await conversations(inbox.id);
    expect(late!.sla.state).toBe('breached');
  });

  it('skips an agent who left the organisation or no longer works the workspace', async () => {
    const leaver = await addMember(steward.db, steward.org.organisationId, 'leaver@acme.example', 'member', [{ workspaceId: workspaceId(), role: 'member' }]);
    const inbox = await makeInbox('Turnover', { agentUserIds: [agents[0]!.id, leaver.id, agents[1]!.id] });
    await steward.db.deleteFrom('memberships').where('user_id', '=', leaver.id).execute();
    await steward.db.updateTable('workspace_memberships').set({ role: 'viewer' }).where('user_id', '=', agents[1]!.id).where('workspace_id', '=', workspaceId()).execute();
    try {
      for (const n of [1, 2, 3]) await sms(`+44770090090${n}`, 'Hi');
      const assignees = (await conversations(inbox.id)).map((c) => c.assignee?.userId);
      expect(assignees).toEqual([agents[0]!.id, agents[0]!.id, agents[0]!.id]);
      const refused = await call('conversations.assign', { conversationId: (await conversations(inbox.id))[0]!.id, userId: leaver.id });
      expect(refused.status).toBe(400);
    } finally {
      await steward.db.updateTable('workspace_memberships').set({ role: 'member' }).where('user_id', '=', agents[1]!.id).where('workspace_id', '=', workspaceId()).execute();
    }
  });

  it('assigns by hand to agents of the inbox only, and never beyond a load-balanced cap', async () => {
    const inbox = await makeInbox('Capped', { assignment: 'load_balanced', agentCap: 1, agentUserIds: [agents[0]!.id] });
    await sms('+447700900801', 'First');
    await sms('+447700900802', 'Second');
    const list = await conversations(inbox.id);
    expect(list.filter((c) => c.assignee).length).toBe(1);
    const waiting = list.find((c) => !c.assignee)!;
    const overCap = await call('conversations.assign', { conversationId: waiting.id, userId: agents[0]!.id });
    expect(overCap.status).toBe(409);
    expect((overCap.error as { message: string }).message).toContain('cap per agent');
    const notAgent = await call('conversations.assign', { conversationId: waiting.id, userId: agents[2]!.id });
    expect(notAgent.status).toBe(400);
  });
});

describe('inbound over REST with a key', () => {
  it('POST /api/v1/inboxes/{inboxId}/messages opens then continues the conversation with the sender, made a contact by email', async () => {
    const inbox = await makeInbox('Web form', { channelIds: [] });
    const { key } = ok(await steward.org.admin.agent.trpc<{ key: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'web form' }, 'mutation'));
    const post = (body: string) =>
      fetch(`${steward.app.url}/api/v1/inboxes/${inbox.id}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ workspaceId: workspaceId(), from: { email: 'Visitor@Example.org', name: 'Val Visitor' }, subject: 'Pricing', body }),
      });
    const first = await post('How much is it?');
    expect(first.status, await first.clone().text()).toBe(200);
    expect(await first.json()).toMatchObject({ created: true });
    expect(await (await post('And for 10 seats?')).json()).toMatchObject({ created: false });
    const [conversation] = await conversations(inbox.id);
    expect(conversation!.contact).toMatchObject({ email: 'visitor@example.org' });

    // No channel can reach an email address here: a reply is refused in words, not lost.
    const reply = await call('conversations.reply', { conversationId: conversation!.id, body: 'Hi' });
    expect(reply.status).toBe(412);
    const nobody = await fetch(`${steward.app.url}/api/v1/inboxes/${inbox.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workspaceId: workspaceId(), from: {}, body: 'x' }),
    });
    expect(nobody.status).toBe(400);
  });
});
