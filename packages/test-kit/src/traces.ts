import { type Db, sql } from '@steward/db';

export interface Trace {
  table: string;
  column: string;
  rows: number;
}

/** Column types that can hold a piece of text: searched as text (bytea: as its bytes). */
const TEXT_TYPES = ['text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED', 'bytea'];

/**
 * Every column of every table in the database (the catalogue, information_schema: tables added
 * later are searched too, whoever adds them) holding any of the needles, case-insensitively.
 * Text, json(b), arrays and enums are searched as text; bytea as UTF-8 bytes, as given.
 */
export async function findTraces(db: Db, needles: string[]): Promise<Trace[]> {
  const columns = await sql<{ table_schema: string; table_name: string; column_name: string; data_type: string }>`
    select c.table_schema, c.table_name, c.column_name, c.data_type
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
    where c.table_schema not in ('pg_catalog', 'information_schema') and c.data_type = any(${TEXT_TYPES})
    order by 1, 2, 3`.execute(db);
  const traces: Trace[] = [];
  for (const column of columns.rows) {
    const ref = sql`${sql.id(column.table_schema, column.table_name)}.${sql.id(column.column_name)}`;
    const matches = needles.map((needle) =>
      column.data_type === 'bytea'
        ? sql<boolean>`position(convert_to(${needle}, 'UTF8') in ${ref}) > 0`
        : sql<boolean>`strpos(lower(${ref}::text), lower(${needle})) > 0`,
    );
    const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.id(column.table_schema, column.table_name)} where ${sql.join(matches, sql` or `)}`.execute(db);
    const n = Number(rows[0]!.n);
    if (n > 0) traces.push({ table: `${column.table_schema}.${column.table_name}`, column: column.column_name, rows: n });
  }
  return traces;
}
