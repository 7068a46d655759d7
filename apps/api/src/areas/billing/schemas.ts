import { z } from 'zod';

export const planIdInput = z.object({ planId: z.string().trim().min(1).max(40) });

const limits = z.object({ seats: z.number(), workspaces: z.number(), contacts: z.number(), emailsPerMonth: z.number() });

export const billingOverviewOutput = z.object({
  /** The billing provider, or null on a self-hosted install (every organisation on Self-hosted). */
  provider: z.string().nullable(),
  plan: z.object({ id: z.string(), name: z.string(), limits }),
  usage: limits,
  subscription: z
    .object({ status: z.string(), cancelAtPeriodEnd: z.boolean(), currentPeriodEnd: z.string().nullable(), paymentMethod: z.string().nullable() })
    .nullable(),
  pastDue: z.boolean(),
  plans: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      rank: z.number(),
      limits,
      monthlyPriceCents: z.number().nullable(),
      currency: z.string().nullable(),
      contactSales: z.boolean(),
      selfServe: z.boolean(),
    }),
  ),
});

export const invoicesOutput = z.array(
  z.object({
    id: z.string(),
    number: z.string().nullable(),
    amountDueCents: z.number(),
    amountPaidCents: z.number(),
    currency: z.string(),
    status: z.string().nullable(),
    createdAt: z.string(),
    pdfUrl: z.string().nullable(),
  }),
);

export const redirectOutput = z.object({ url: z.string() });
export const cancellationOutput = z.object({ cancelAtPeriodEnd: z.boolean(), currentPeriodEnd: z.string().nullable() });
