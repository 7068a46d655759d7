import { ASSIGNMENT_RULES } from '@steward/db';
import { z } from 'zod';
import { WEEKDAYS } from './business-hours.js';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'A time is HH:MM, 00:00 to 24:00.');
const span = z
  .object({ open: hhmm, close: hhmm })
  .refine((s) => s.open < s.close, 'A day closes after it opens.');
export const businessHoursSchema = z.object(Object.fromEntries(WEEKDAYS.map((d) => [d, span.nullable().optional()])) as Record<(typeof WEEKDAYS)[number], z.ZodOptional<z.ZodNullable<typeof span>>>);

const minutes = z.coerce.number().int().min(1, 'An SLA target is at least 1 minute.').max(525_600, 'An SLA target is at most a year.').nullable();

export const inboxIdInput = z.object({ inboxId: z.uuid('inboxId must be a UUID') });

export const inboxSettingsInput = z.object({
  name: z.string().trim().min(1, 'Enter a name.').max(80, 'An inbox name is at most 80 characters.'),
  emailAddress: z.string().trim().toLowerCase().max(254).pipe(z.email('The inbox address must be an email address.')).nullable().default(null),
  channelIds: z.array(z.uuid()).max(50).default([]),
  agentUserIds: z.array(z.uuid()).max(200, 'An inbox has at most 200 agents.').default([]),
  assignment: z.enum(ASSIGNMENT_RULES).default('manual'),
  /** Load-balanced only: the most open conversations one agent is given (null: no cap). */
  agentCap: z.coerce.number().int().min(1, 'A cap is at least 1.').max(10_000).nullable().default(null),
  /** Null: always open. */
  businessHours: businessHoursSchema.nullable().default(null),
  outOfOfficeMessage: z.string().trim().max(1000, 'The out-of-office reply is at most 1,000 characters.').nullable().default(null),
  sla: z
    .object({ firstResponseMinutes: minutes.default(null), nextResponseMinutes: minutes.default(null), resolutionMinutes: minutes.default(null), businessHoursOnly: z.boolean().default(false) })
    .default({ firstResponseMinutes: null, nextResponseMinutes: null, resolutionMinutes: null, businessHoursOnly: false }),
  csat: z
    .object({ enabled: z.boolean().default(false), question: z.string().trim().max(200, 'The CSAT question is at most 200 characters.').nullable().default(null) })
    .refine((c) => !c.enabled || (c.question && c.question.length > 0), 'Write the CSAT question, or turn the survey off.')
    .default({ enabled: false, question: null }),
});
export const createInboxInput = inboxSettingsInput;
export const updateInboxInput = inboxIdInput.extend(inboxSettingsInput.partial().shape);

export const inboxOutput = z.object({
  id: z.string(),
  name: z.string(),
  emailAddress: z.string().nullable(),
  channelIds: z.array(z.string()),
  agents: z.array(z.object({ userId: z.string(), name: z.string(), email: z.string(), openConversations: z.number() })),
  assignment: z.enum(ASSIGNMENT_RULES),
  agentCap: z.number().nullable(),
  businessHours: z.record(z.string(), z.object({ open: z.string(), close: z.string() })).nullable(),
  timeZone: z.string(),
  outOfOfficeMessage: z.string().nullable(),
  sla: z.object({ firstResponseMinutes: z.number().nullable(), nextResponseMinutes: z.number().nullable(), resolutionMinutes: z.number().nullable(), businessHoursOnly: z.boolean() }),
  csat: z.object({ enabled: z.boolean(), question: z.string().nullable() }),
  openConversations: z.number(),
});
export const inboxListOutput = z.object({ inboxes: z.array(inboxOutput) });
