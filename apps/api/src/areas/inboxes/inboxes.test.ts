import { beforeAll, describe, expect, it } from 'vitest';
import { addMember, useStewardApp } from '@steward/test-kit';
import { addBusinessMinutes, isWithinBusinessHours } from './business-hours.js';
import { receiveInboundMessage } from '../conversations/inbound.js';

const WEEKDAYS_9_TO_5 = { mon: { open: '09:00', close: '17:00' }, tue: { open: '09:00', close: '17:00' }, wed: { open: '09:00', close: '17:00' }, thu: { open: '09:00', close: '17:00' }, fri: { open: '09:00', close: '17:00' } };

describe('business hours in the workspace time zone', () => {
  it('knows when an inbox is open, in its own zone', () => {
    // 08:30 UTC on a Monday in winter is 09:30 in Paris (open), 08:30 in London (closed).
    const at = new Date('2026-01-05T08:30:00Z');
    expect(isWithinBusinessHours(WEEKDAYS_9_TO_5, 'Europe/Paris', at)).toBe(true);
    expect(isWithinBusinessHours(WEEKDAYS_9_TO_5, 'Europe/London', at)).toBe(false);
    expect(isWithinBusinessHours(WEEKDAYS_9_TO_5, 'Europe/London', new Date('2026-01-10T12:00:00Z'))).toBe(false); // a Saturday
    expect(isWithinBusinessHours(null, 'Europe/London', new Date('2026-01-10T12:00:00Z'))).toBe(true);
  });

  it('counts business minutes over the weekend and across the change to summer time', () => {
    // Friday 16:30 in London + 60 business minutes: 30 on Friday, 30 on Monday from 09:00.
    expect(addBusinessMinutes(WEEKDAYS_9_TO_5, 'Europe/London', new Date('2026-01-09T16:30:00Z'), 60)).toEqual(new Date('2026-01-12T09:30:00Z'));
    // Clocks go forward on Sunday 29 March 2026: Monday 09:30 in London is 08:30 UTC.
    expect(addBusinessMinutes(WEEKDAYS_9_TO_5, 'Europe/London', new Date('2026-03-27T16:30:00Z'), 60)).toEqual(new Date('2026-03-30T08:30:00Z'));
    // Before opening, the clock starts at opening time.
    expect(addBusinessMinutes(WEEKDAYS_9_TO_5, 'Europe/London', new Date('2026-01-06T06:00:00Z'), 30)).toEqual(new Date('2026-01-06T09:30:00Z'));
    expect(addBusinessMinutes({}, 'Europe/London', new Date(), 30)).toBeNull();
  });
});

const steward = useStewardApp({ workers: false, organisation: 'Acme' });
const workspaceId = () => steward.org.chapterWorkspaceId;
const create = (input: Record<string, unknown>) => steward.org.admin.agent.trpc<{ id: string; agents: { userId: string }[] }>('inboxes.create', { workspaceId: workspaceId(), ...input }, 'mutation');
let agent: { id: string };
let viewer: { id: string; email: string };

beforeAll(async () => {
  agent = await addMember(steward.db, steward.org.organisationId, 'agent@acme.example', 'member', [{ workspaceId: workspaceId(), role: 'member' }]);
  viewer = await addMember(steward.db, steward.org.organisationId, 'viewer@acme.example', 'member', [{ workspaceId: workspaceId(), role: 'viewer' }]);
});

describe('inbox settings', () => {
  it('stamps SLA due times in business hours only when the policy says so', async () => {
    await steward.db.updateTable('workspaces').set({ timezone: 'Europe/London' }).where('id', '=', workspaceId()).execute();
    const inbox = await create({ name: 'Business hours SLA', businessHours: WEEKDAYS_9_TO_5, sla: { firstResponseMinutes: 60, resolutionMinutes: 480, businessHoursOnly: true } });
    expect(inbox.error, inbox.text).toBeNull();
    const place = { organisationId: steward.org.organisationId, workspaceId: workspaceId() };
    const received = await receiveInboundMessage(steward.app, place, { inboxId: inbox.data.id, channelId: null, from: { email: 'late@example.org' }, body: 'Friday afternoon' }, null, new Date('2026-01-09T16:30:00Z'));
    const conversation = await steward.db.selectFrom('conversations').selectAll().where('id', '=', received.conversationId).executeTakeFirstOrThrow();
    expect(conversation.first_response_due_at).toEqual(new Date('2026-01-12T09:30:00Z'));
    // 8 business hours: 30 minutes on Friday, then Monday 09:00 to 16:30.
    expect(conversation.resolution_due_at).toEqual(new Date('2026-01-12T16:30:00Z'));
  });

  it('takes as agents only people who work the workspace (member or admin)', async () => {
    const refused = await create({ name: 'Viewers', agentUserIds: [viewer.id] });
    expect(refused.status).toBe(400);
    expect(refused.error?.message).toContain('viewer@acme.example cannot be an agent here');
    const made = await create({ name: 'Agents', agentUserIds: [agent.id, steward.org.admin.id] });
    expect(made.data.agents.map((a) => a.userId)).toEqual([agent.id, steward.org.admin.id]);
  });

  it('refuses a week without an open day, a survey without a question, and a second inbox of the same name', async () => {
    const closed = await create({ name: 'Never open', businessHours: { mon: null } });
    expect(closed.error?.message).toContain('at least one open day');
    const survey = await create({ name: 'Survey', csat: { enabled: true, question: '' } });
    expect(survey.status).toBe(400);
    expect(survey.error?.message).toContain('CSAT question');
    const long = await create({ name: 'Long survey', csat: { enabled: true, question: 'x'.repeat(201) } });
    expect(long.error?.message).toContain('at most 200 characters');
    await create({ name: 'Support' });
    const twice = await create({ name: 'support' });
    expect(twice.status).toBe(409);
  });

  it("does not take another workspace's channel", async () => {
    const other = await steward.db
      .insertInto('channels')
      .values({ organisation_id: steward.org.organisationId, workspace_id: steward.org.globalWorkspaceId, kind: 'smtp', name: 'Global mail', address: 'global@acme.example', settings: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const refused = await create({ name: 'Borrowing', channelIds: [other.id] });
    expect(refused.status).toBe(404);
  });
});
