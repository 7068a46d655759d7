import { type Kysely, sql } from 'kysely';

/**
 * CSV imports of contacts (issue 11, item 4).
 *
 * The uploaded file lives in PostgreSQL, not on a local disk, so that whichever instance runs the
 * background job can read it: `contact_import_chunks` holds it in order as bytea pieces of about a
 * megabyte (read back one at a time, so a job never holds the whole file). The chunks go once the
 * import ends; the rejected rows stay, with their original cells, for the report.
 *
 * Progress is counted in the same transaction as each batch of contacts it describes:
 * `processed_rows` is exactly the number of data rows whose outcome is committed, so a job that
 * crashed resumes after the last committed batch and never writes a row twice.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('contact_imports')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    // The key it was uploaded with, if any, for the audit entry of its completion (history, not a reference).
    .addColumn('api_key_id', 'uuid')
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('file_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('delimiter', 'text', (c) => c.notNull().defaultTo(',').check(sql`delimiter in (',', ';', E'\t')`))
    .addColumn('headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('total_rows', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('mapping', 'jsonb')
    .addColumn('state', 'text', (c) =>
      c.notNull().check(sql`state in ('uploading', 'uploaded', 'queued', 'running', 'completed', 'failed', 'cancelled')`),
    )
    .addColumn('failure_reason', 'text')
    .addColumn('processed_rows', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('linked_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rejected_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('contact_imports_workspace_idx').on('contact_imports').columns(['workspace_id', 'created_at']).execute();
  // Uploads nobody started are swept after a day; this finds them without a scan.
  await sql`create index contact_imports_unstarted_idx on contact_imports (created_at) where state in ('uploading', 'uploaded')`.execute(db);

  await db.schema
    .createTable('contact_import_chunks')
    .addColumn('import_id', 'uuid', (c) => c.notNull().references('contact_imports.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_import_chunks_pkey', ['import_id', 'seq'])
    .execute();
  // Kept only until the import ends, and read once: stored uncompressed, so neither the upload nor
  // the job spends time in pglz.
  await sql`alter table contact_import_chunks alter column data set storage external`.execute(db);

  await db.schema
    .createTable('contact_import_rejections')
    .addColumn('import_id', 'uuid', (c) => c.notNull().references('contact_imports.id').onDelete('cascade'))
    // The row's number as a spreadsheet shows it (the header is row 1).
    .addColumn('row_number', 'integer', (c) => c.notNull())
    .addColumn('cells', 'jsonb', (c) => c.notNull())
    .addColumn('error', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_import_rejections_pkey', ['import_id', 'row_number'])
    .execute();
}
