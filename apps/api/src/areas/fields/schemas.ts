import { FIELD_ENTITIES, FIELD_SCOPES, FIELD_TYPES } from '@steward/db';
import { z } from 'zod';

export const MAX_OPTIONS = 500;

export const fieldEntitySchema = z.enum(FIELD_ENTITIES);
export const fieldScopeSchema = z.enum(FIELD_SCOPES);
export const fieldTypeSchema = z.enum(FIELD_TYPES);

const label = z.string().trim().min(1, 'Enter a label.').max(100, 'A label is at most 100 characters.');
const optionLabel = z.string().trim().min(1, 'Enter an option label.').max(100, 'An option label is at most 100 characters.');
const description = z.string().trim().max(500, 'A description is at most 500 characters.');

export const listFieldsInput = z.object({ entity: fieldEntitySchema.optional() });

export const createFieldInput = z.object({
  entity: fieldEntitySchema,
  label,
  type: fieldTypeSchema,
  scope: fieldScopeSchema.default('workspace'),
  description: description.optional(),
  required: z.boolean().default(false),
  position: z.number().int().min(0).max(100_000).optional(),
  options: z.array(z.object({ label: optionLabel })).max(MAX_OPTIONS).optional(),
});

export const reorderFieldsInput = z.object({
  entity: fieldEntitySchema,
  /** Fields in their new order (positions 0, 1, 2…); fields not listed keep their position. */
  fieldIds: z
    .array(z.uuid())
    .min(1)
    .max(500)
    .refine((ids) => new Set(ids).size === ids.length, 'Each field can be listed only once.'),
});

export const fieldTargetInput = z.object({ fieldId: z.uuid('fieldId must be a UUID') });

/**
 * `options`, when sent, is the whole list in its new order: an entry with an `id` renames,
 * moves, archives or restores that option; one without adds a new option. Options cannot be
 * removed (records may hold them): archive them instead.
 */
export const updateFieldInput = fieldTargetInput.extend({
  label: label.optional(),
  description: description.nullable().optional(),
  required: z.boolean().optional(),
  position: z.number().int().min(0).max(100_000).optional(),
  options: z
    .array(z.object({ id: z.string().max(40).optional(), label: optionLabel, archived: z.boolean().optional() }))
    .max(MAX_OPTIONS)
    .optional(),
});

export const changeFieldTypeInput = fieldTargetInput.extend({
  type: fieldTypeSchema,
  /** text → select: which option label each existing text becomes; texts not listed lose their value. */
  mapping: z
    .array(z.object({ from: z.string().max(10_000), option: optionLabel }))
    .max(MAX_OPTIONS * 10)
    .optional(),
  /** Count what would happen without changing anything. */
  dryRun: z.boolean().default(false),
});

const optionOutput = z.object({ id: z.string(), label: z.string(), archived: z.boolean() });

export const fieldOutput = z.object({
  id: z.string(),
  entity: fieldEntitySchema,
  scope: fieldScopeSchema,
  workspaceId: z.string().nullable(),
  key: z.string(),
  label: z.string(),
  description: z.string().nullable(),
  type: fieldTypeSchema,
  required: z.boolean(),
  position: z.number(),
  options: z.array(optionOutput),
  /** Whether the field's filter index is built yet (`building` right after creation). */
  indexStatus: z.enum(['none', 'building', 'ready', 'failed']),
  createdAt: z.date(),
  updatedAt: z.date(),
});

export const fieldChangeOutput = fieldOutput.extend({
  /** When the field is (now) required: how many records it applies to still lack a value. */
  recordsMissingValue: z.number().nullable(),
});

export const fieldListOutput = z.array(fieldOutput);

export const deleteFieldPreviewOutput = z.object({ fieldId: z.string(), key: z.string(), label: z.string(), recordsWithValue: z.number() });
export const deleteFieldOutput = deleteFieldPreviewOutput.extend({
  /** Values are removed in the background in batches; the key is never used again. */
  valuesRemoval: z.literal('background'),
});

export const changeFieldTypeOutput = z.object({
  fieldId: z.string(),
  from: fieldTypeSchema,
  to: fieldTypeSchema,
  dryRun: z.boolean(),
  recordsWithValue: z.number(),
  /** Values that do not convert (and are cleared when the change is applied). */
  unconvertible: z.number(),
  field: fieldOutput.nullable(),
});
