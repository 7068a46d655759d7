import { z } from 'zod';

export const conversationIdInput = z.object({ conversationId: z.uuid('conversationId must be a UUID') });

export const listConversationsInput = z.object({
  inboxId: z.uuid('inboxId must be a UUID'),
  status: z.enum(['open', 'resolved', 'all']).default('open'),
  /** 'me', 'unassigned' or an agent's user id. */
  assignee: z.union([z.enum(['me', 'unassigned']), z.uuid()]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().max(200).optional(),
});

export const receiveMessageInput = z
  .object({
    inboxId: z.uuid('inboxId must be a UUID'),
    from: z.object({
      email: z.string().trim().toLowerCase().max(254).pipe(z.email('from.email must be an email address.')).optional(),
      phone: z.string().trim().regex(/^\+[1-9]\d{6,14}$/, 'from.phone must be an E.164 number, e.g. +447700900123.').optional(),
      name: z.string().trim().max(200).optional(),
    }),
    subject: z.string().trim().max(300).optional(),
    body: z.string().trim().min(1, 'The message is empty.').max(10_000, 'A message is at most 10,000 characters.'),
    /** Your id for the message: sending the same id again adds it once. */
    externalId: z.string().trim().min(1).max(200).optional(),
  })
  .refine((m) => m.from.email || m.from.phone, { message: 'Give the sender as from.email or from.phone.', path: ['from'] });

export const assignInput = conversationIdInput.extend({ userId: z.uuid('userId must be a UUID').nullable() });
export const replyInput = conversationIdInput.extend({ body: z.string().trim().min(1, 'Write a reply.').max(2000, 'A reply is at most 2,000 characters.') });

const slaState = z.enum(['none', 'on_track', 'breached', 'met']);
export const conversationSummary = z.object({
  id: z.string(),
  inboxId: z.string(),
  status: z.enum(['open', 'resolved']),
  subject: z.string().nullable(),
  contact: z.object({ id: z.string(), name: z.string(), email: z.string().nullable(), phone: z.string().nullable() }),
  assignee: z.object({ userId: z.string(), name: z.string(), email: z.string() }).nullable(),
  lastMessageAt: z.string(),
  preview: z.string().nullable(),
  /** breached: a target passed unmet; on_track: targets pending; met: all met; none: no SLA policy. */
  sla: z.object({ state: slaState, nextDueAt: z.string().nullable(), firstResponseDueAt: z.string().nullable(), nextResponseDueAt: z.string().nullable(), resolutionDueAt: z.string().nullable() }),
  createdAt: z.string(),
});
export const conversationListOutput = z.object({ conversations: z.array(conversationSummary), nextCursor: z.string().nullable() });
export const messageOutput = z.object({
  id: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  kind: z.enum(['message', 'out_of_office', 'csat']),
  body: z.string(),
  author: z.object({ userId: z.string(), name: z.string() }).nullable(),
  delivery: z.enum(['received', 'pending', 'sent', 'failed']),
  failure: z.string().nullable(),
  createdAt: z.string(),
});
export const conversationOutput = conversationSummary.extend({ messages: z.array(messageOutput), channelId: z.string().nullable() });
export const receivedOutput = z.object({ conversationId: z.string(), created: z.boolean(), duplicate: z.boolean(), assigneeUserId: z.string().nullable(), outOfOfficeSent: z.boolean() });
export const replyOutput = z.object({ message: messageOutput, conversation: conversationOutput });
