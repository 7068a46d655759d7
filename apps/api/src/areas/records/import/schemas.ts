import { z } from 'zod';
import { CONTACT_IMPORT_STATES } from '@steward/db';

/** What an upload may be. Each limit is answered with a 4xx that says which one was hit. */
export const IMPORT_LIMITS = {
  maxBytes: 50 * 1024 * 1024,
  maxColumns: 200,
  maxRows: 1_000_000,
  /** Characters in one cell: a quote left open would otherwise swallow the rest of the file. */
  maxCellCharacters: 100_000,
};
export type ImportLimits = typeof IMPORT_LIMITS;

/** Rows per transaction in the job: each batch commits its contacts, its rejections and the progress together. */
export const BATCH_ROWS = 1000;
/** Rows upserted at once within a batch's transaction (see run-import.ts). */
export const UPSERT_SLICE = 100;
/** Rows the preview validates, and rows `inspect` shows. */
export const PREVIEW_ROWS = 20;
export const SAMPLE_ROWS = 10;
/** Imports queued or running at once in one workspace. */
export const MAX_ACTIVE_IMPORTS = 3;

/** The contact built-ins a column can fill (the assignee is not imported: it names a user by id). */
export const IMPORT_BUILT_INS = ['firstName', 'lastName', 'email', 'phone', 'country', 'language'] as const;
export type ImportBuiltIn = (typeof IMPORT_BUILT_INS)[number];
export const BUILT_IN_LABELS: Record<ImportBuiltIn, string> = {
  firstName: 'First name',
  lastName: 'Last name',
  email: 'Email',
  phone: 'Phone',
  country: 'Country',
  language: 'Language',
};

/**
 * A consent column: the person's global unsubscribe (a yes unsubscribes; an import never lifts
 * one), the switch on their link to this workspace, or their choice for one of its categories.
 */
const consentTargetSchema = z.union([
  z.object({ consent: z.enum(['global', 'workspace']) }).strict(),
  z.object({ consent: z.literal('category'), categoryId: z.uuid('categoryId must be a UUID') }).strict(),
]);
export type ConsentTarget = z.infer<typeof consentTargetSchema>;

/** Where a column goes: a built-in, a custom field (by key), a consent level, or nowhere (null). */
export const columnTargetSchema = z
  .union([z.object({ builtIn: z.enum(IMPORT_BUILT_INS) }).strict(), z.object({ field: z.string().min(1).max(64) }).strict(), consentTargetSchema])
  .nullable();
export type ColumnTarget = z.infer<typeof columnTargetSchema>;

export const importTargetInput = z.object({ importId: z.uuid('importId must be a UUID') });
export const mappingInput = importTargetInput.extend({
  /** One entry per column of the file, in order. */
  mapping: z.array(columnTargetSchema).min(1).max(IMPORT_LIMITS.maxColumns, `A file has at most ${IMPORT_LIMITS.maxColumns} columns.`),
});

export const importOutput = z.object({
  id: z.string(),
  workspaceId: z.string(),
  fileName: z.string(),
  fileBytes: z.number(),
  state: z.enum(CONTACT_IMPORT_STATES),
  /** Why it failed, in words (state `failed`). */
  failureReason: z.string().nullable(),
  totalRows: z.number(),
  /** Data rows whose outcome is committed. */
  processedRows: z.number(),
  created: z.number(),
  updated: z.number(),
  /** People already known elsewhere in the organisation, now linked to this workspace. */
  linked: z.number(),
  rejected: z.number(),
  createdBy: z.string().nullable(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  /** Where the rejected rows can be downloaded (with the session cookie or the bearer key). */
  rejectedRowsUrl: z.string().nullable(),
});
export type ImportStatus = z.infer<typeof importOutput>;

export const importListOutput = z.object({ items: z.array(importOutput) });

const targetOutput = z.object({
  target: z.union([
    z.object({ builtIn: z.enum(IMPORT_BUILT_INS) }),
    z.object({ field: z.string() }),
    z.object({ consent: z.enum(['global', 'workspace']) }),
    z.object({ consent: z.literal('category'), categoryId: z.string() }),
  ]),
  label: z.string(),
  type: z.string(),
  required: z.boolean(),
  /** For select types: the labels a cell may hold (archived options are not offered). */
  options: z.array(z.string()),
});

export const inspectOutput = z.object({
  import: importOutput,
  delimiter: z.enum([',', ';', '\t']),
  headers: z.array(z.string()),
  /** The first data rows, as text. */
  rows: z.array(z.array(z.string())),
  /** Everything a column can be mapped to in this workspace. */
  targets: z.array(targetOutput),
  /** A mapping guessed from the headers (built-in names, field labels and keys). */
  suggestedMapping: z.array(columnTargetSchema),
});

export const previewOutput = z.object({
  rows: z.array(
    z.object({
      /** As a spreadsheet numbers it: the header is row 1. */
      rowNumber: z.number(),
      cells: z.array(z.string()),
      status: z.enum(['created', 'updated', 'linked', 'error']),
      errors: z.array(z.object({ column: z.number().nullable(), field: z.string(), message: z.string() })),
    }),
  ),
});
