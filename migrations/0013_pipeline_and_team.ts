import { type Kysely, sql } from 'kysely';

/**
 * Pipeline stages per workspace (issue 14): a name, a win probability, a kind (open, won, lost)
 * and a position. Every workspace starts with seed 002's stages — a trigger gives them to each
 * new workspace, however it is created, and this migration to those that exist. Deals point at
 * their stage; a composite key keeps the stage in the deal's own workspace. (The workspace team
 * needs no table: it is `workspace_memberships` and `invitations`.)
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pipeline_stages')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('probability', 'integer', (c) => c.notNull().check(sql`probability between 0 and 100`))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('open', 'won', 'lost')`))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('pipeline_stages_workspace_id_id_key', ['workspace_id', 'id'])
    .execute();
  // Deferred, so that a reorder can permute positions in one statement; never two stages in one place.
  await sql`alter table pipeline_stages add constraint pipeline_stages_workspace_position_key unique (workspace_id, position) deferrable initially deferred`.execute(db);
  await sql`create unique index pipeline_stages_workspace_name_key on pipeline_stages (workspace_id, lower(name))`.execute(db);

  await sql`
    create function pipeline_default_stages() returns trigger language plpgsql as $$
    begin
      insert into pipeline_stages (organisation_id, workspace_id, name, probability, kind, position)
      values (new.organisation_id, new.id, 'Lead', 10, 'open', 0),
             (new.organisation_id, new.id, 'Qualified', 25, 'open', 1),
             (new.organisation_id, new.id, 'Proposal', 50, 'open', 2),
             (new.organisation_id, new.id, 'Negotiation', 75, 'open', 3),
             (new.organisation_id, new.id, 'Won', 100, 'won', 4),
             (new.organisation_id, new.id, 'Lost', 0, 'lost', 5);
      return new;
    end $$`.execute(db);
  await sql`create trigger workspaces_default_pipeline after insert on workspaces for each row execute function pipeline_default_stages()`.execute(db);

  await sql`
    insert into pipeline_stages (organisation_id, workspace_id, name, probability, kind, position)
    select w.organisation_id, w.id, s.name, s.probability, s.kind, s.position
      from workspaces w
     cross join (values ('Lead', 10, 'open', 0), ('Qualified', 25, 'open', 1), ('Proposal', 50, 'open', 2),
                        ('Negotiation', 75, 'open', 3), ('Won', 100, 'won', 4), ('Lost', 0, 'lost', 5)) as s(name, probability, kind, position)`.execute(db);

  // No action (checked at the end of the statement): deleting a workspace takes its deals and stages together.
  await db.schema.alterTable('deals').addColumn('stage_id', 'uuid').execute();
  await sql`alter table deals add constraint deals_stage_fkey foreign key (workspace_id, stage_id) references pipeline_stages (workspace_id, id)`.execute(db);
  await db.schema.createIndex('deals_stage_idx').on('deals').column('stage_id').execute();
  await sql`
    update deals d set stage_id = (
      select s.id from pipeline_stages s where s.workspace_id = d.workspace_id and s.kind = 'open' order by s.position limit 1)`.execute(db);
}
