import { PIPELINE_STAGE_KINDS } from '@steward/db';
import { z } from 'zod';

export const MAX_STAGES = 50;

export const stageKindSchema = z.enum(PIPELINE_STAGE_KINDS);
const name = z.string().trim().min(1, 'Enter a name.').max(60, 'A stage name is at most 60 characters.');
const probability = z.coerce.number().int('A win probability is a whole number.').min(0, 'A win probability is 0 to 100.').max(100, 'A win probability is 0 to 100.');

export const stageTargetInput = z.object({ stageId: z.uuid('stageId must be a UUID') });

export const createStageInput = z.object({ name, probability, kind: stageKindSchema.default('open') });

export const updateStageInput = stageTargetInput.extend({ name: name.optional(), probability: probability.optional(), kind: stageKindSchema.optional() });

export const reorderStagesInput = z.object({
  /** Every stage of the pipeline, in the new order. */
  stageIds: z
    .array(z.uuid())
    .min(1)
    .max(MAX_STAGES)
    .refine((ids) => new Set(ids).size === ids.length, 'Each stage can be listed only once.'),
});

export const deleteStageInput = stageTargetInput.extend({
  /** Where the stage's deals go; required when deals use the stage. */
  moveDealsTo: z.uuid('moveDealsTo must be a UUID').optional(),
});

export const stageOutput = z.object({
  id: z.string(),
  name: z.string(),
  probability: z.number(),
  kind: stageKindSchema,
  position: z.number(),
  dealCount: z.number(),
});

export const stageListOutput = z.object({ stages: z.array(stageOutput) });
export const reorderedOutput = z.object({ stageIds: z.array(z.string()) });
export const deletedStageOutput = z.object({ stageId: z.string(), movedDeals: z.number(), movedTo: z.string().nullable() });

const forecastAmount = z.object({ currency: z.string().nullable(), amount: z.number(), weighted: z.number() });
export const forecastOutput = z.object({
  stages: z.array(z.object({ stageId: z.string(), name: z.string(), probability: z.number(), kind: stageKindSchema, deals: z.number(), amounts: z.array(forecastAmount) })),
  /** Per currency (null: deals whose amount has no currency). */
  totals: z.array(forecastAmount.extend({ deals: z.number() })),
});
