import { type Database, type Db, type PipelineStageKind, PIPELINE_STAGE_KINDS, sql, type Transaction } from '@steward/db';
import { AppError, isUniqueViolation, notFound } from '../../errors.js';
import { type Actor, recordAudit } from '../audit/record.js';
import { emitStageMoves } from '../webhooks/emit.js';
import { MAX_STAGES } from './schemas.js';

/**
 * A workspace's deal pipeline: stages in order, each open, won or lost. Every change takes the
 * workspace's pipeline lock, so that two deletes at once cannot both take the last won stage and
 * two reorders cannot interleave; positions are also unique in the database (a deferred constraint).
 */

export interface PipelinePlace {
  organisationId: string;
  workspaceId: string;
}

const KIND_WORDS: Record<PipelineStageKind, string> = { open: 'open', won: 'won', lost: 'lost' };

const stageColumns = ['s.id', 's.name', 's.probability', 's.kind', 's.position'] as const;

/** The stages in order, each with the number of deals in it (one query). */
export async function listStages(db: Db | Transaction<Database>, place: PipelinePlace) {
  const stages = await db
    .selectFrom('pipeline_stages as s')
    .select(stageColumns)
    .select((eb) => eb.selectFrom('deals as d').select(eb.fn.countAll<string>().as('n')).whereRef('d.stage_id', '=', 's.id').as('dealCount'))
    .where('s.workspace_id', '=', place.workspaceId)
    .where('s.organisation_id', '=', place.organisationId)
    .orderBy('s.position')
    .execute();
  return { stages: stages.map((s) => ({ ...s, dealCount: Number(s.dealCount ?? 0) })) };
}

/**
 * Serialises pipeline changes of one workspace and returns its stages as they are under the lock.
 * `no key update` leaves inserts that merely refer to the workspace (deals, contacts) unblocked.
 */
async function lockPipeline(trx: Transaction<Database>, place: PipelinePlace) {
  const workspace = await sql`select 1 from workspaces where id = ${place.workspaceId} and organisation_id = ${place.organisationId} for no key update`.execute(trx);
  if (workspace.rows.length === 0) throw notFound('Workspace');
  return trx.selectFrom('pipeline_stages as s').select(stageColumns).where('s.workspace_id', '=', place.workspaceId).orderBy('s.position').execute();
}

type Stage = Awaited<ReturnType<typeof lockPipeline>>[number];

function findStage(stages: Stage[], stageId: string) {
  const stage = stages.find((s) => s.id === stageId);
  if (!stage) throw notFound('Pipeline stage');
  return stage;
}

/** A pipeline always keeps at least one open, one won and one lost stage. */
function assertEveryKind(stages: Pick<Stage, 'kind'>[], change: string) {
  for (const kind of PIPELINE_STAGE_KINDS) {
    if (!stages.some((s) => s.kind === kind)) {
      throw new AppError('CONFLICT', `A pipeline keeps at least one ${KIND_WORDS[kind]} stage, so ${change} is not possible. Add another ${KIND_WORDS[kind]} stage first.`);
    }
  }
}

async function withNameConflicts<T>(name: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error, 'pipeline_stages_workspace_name_key')) throw new AppError('CONFLICT', `This pipeline already has a stage named '${name}'. Choose another name.`);
    throw error;
  }
}

const auditPlace = (place: PipelinePlace) => ({ organisationId: place.organisationId, workspaceId: place.workspaceId });

/** Adds a stage at the end of the pipeline. */
export async function createStage(db: Db, actor: Actor, place: PipelinePlace, input: { name: string; probability: number; kind: PipelineStageKind }) {
  return withNameConflicts(input.name, () =>
    db.transaction().execute(async (trx) => {
      const stages = await lockPipeline(trx, place);
      if (stages.length >= MAX_STAGES) throw new AppError('CONFLICT', `A pipeline has at most ${MAX_STAGES} stages.`);
      const created = await trx
        .insertInto('pipeline_stages')
        .values({
          organisation_id: place.organisationId,
          workspace_id: place.workspaceId,
          name: input.name,
          probability: input.probability,
          kind: input.kind,
          position: Math.max(-1, ...stages.map((s) => s.position)) + 1,
        })
        .returning(['id', 'name', 'probability', 'kind', 'position'])
        .executeTakeFirstOrThrow();
      await recordAudit(trx, actor, { ...auditPlace(place), action: 'pipeline.create', targetType: 'pipeline_stage', targetId: created.id, after: created });
      return { ...created, dealCount: 0 };
    }),
  );
}

/** Renames a stage, or changes its probability or kind (never leaving the pipeline without a kind). */
export async function updateStage(db: Db, actor: Actor, place: PipelinePlace, stageId: string, changes: { name?: string; probability?: number; kind?: PipelineStageKind }) {
  return withNameConflicts(changes.name, () =>
    db.transaction().execute(async (trx) => {
      const stages = await lockPipeline(trx, place);
      const before = findStage(stages, stageId);
      const after = { ...before, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) } as Stage;
      if (after.kind !== before.kind) assertEveryKind(stages.map((s) => (s.id === stageId ? after : s)), `making '${before.name}' ${KIND_WORDS[after.kind]}`);
      await trx
        .updateTable('pipeline_stages')
        .set({ name: after.name, probability: after.probability, kind: after.kind, updated_at: sql<Date>`now()` })
        .where('id', '=', stageId)
        .execute();
      await recordAudit(trx, actor, { ...auditPlace(place), action: 'pipeline.update', targetType: 'pipeline_stage', targetId: stageId, before, after });
      const { stages: listed } = await listStages(trx, place);
      return listed.find((s) => s.id === stageId)!;
    }),
  );
}

/** Puts every stage in the given order in one statement; the list must hold the pipeline's stages exactly. */
export async function reorderStages(db: Db, actor: Actor, place: PipelinePlace, stageIds: string[]) {
  return db.transaction().execute(async (trx) => {
    const stages = await lockPipeline(trx, place);
    const current = new Set(stages.map((s) => s.id));
    if (stageIds.length !== current.size || !stageIds.every((id) => current.has(id))) {
      throw new AppError('CONFLICT', 'The pipeline has changed since it was loaded (a stage was added or deleted). Reload and reorder again.');
    }
    await sql`
      update pipeline_stages s set position = o.position - 1, updated_at = now()
      from unnest(${stageIds}::uuid[]) with ordinality as o(id, position)
      where s.id = o.id and s.workspace_id = ${place.workspaceId}`.execute(trx);
    await recordAudit(trx, actor, { ...auditPlace(place), action: 'pipeline.reorder', targetType: 'pipeline_stage', before: { stageIds: stages.map((s) => s.id) }, after: { stageIds } });
    return { stageIds };
  });
}

/**
 * Deletes a stage. Its deals, if any, move to `moveDealsTo` (another stage of this pipeline) in
 * the same transaction, in one statement; the stage row is locked first, so no deal joins it meanwhile.
 */
export async function deleteStage(db: Db, actor: Actor, place: PipelinePlace, stageId: string, moveDealsTo: string | undefined) {
  return db.transaction().execute(async (trx) => {
    const stages = await lockPipeline(trx, place);
    const stage = findStage(stages, stageId);
    const remaining = stages.filter((s) => s.id !== stageId);
    assertEveryKind(remaining, `deleting '${stage.name}'`);
    await trx.selectFrom('pipeline_stages').select('id').where('id', '=', stageId).forUpdate().execute();
    const { count } = await trx.selectFrom('deals').select((eb) => eb.fn.countAll<string>().as('count')).where('stage_id', '=', stageId).executeTakeFirstOrThrow();
    const dealCount = Number(count);
    let movedTo: Stage | null = null;
    if (dealCount > 0) {
      if (!moveDealsTo) {
        throw new AppError('PRECONDITION_FAILED', `${dealCount === 1 ? '1 deal is' : `${dealCount} deals are`} in '${stage.name}'. Choose the stage to move ${dealCount === 1 ? 'it' : 'them'} to.`);
      }
      movedTo = remaining.find((s) => s.id === moveDealsTo) ?? null;
      if (!movedTo) throw new AppError('BAD_REQUEST', 'Move the deals to another stage of this pipeline.');
      const moved = await trx
        .updateTable('deals')
        .set({ stage_id: movedTo.id, updated_at: sql<Date>`now()` })
        .where('stage_id', '=', stageId)
        .where('workspace_id', '=', place.workspaceId)
        .returning(['id', 'name', 'amount', 'currency'])
        .execute();
      await emitStageMoves(trx, place, moved, { id: stage.id, name: stage.name, kind: stage.kind }, { id: movedTo.id, name: movedTo.name, kind: movedTo.kind });
    }
    await trx.deleteFrom('pipeline_stages').where('id', '=', stageId).execute();
    const result = { stageId, movedDeals: dealCount, movedTo: movedTo?.id ?? null };
    await recordAudit(trx, actor, { ...auditPlace(place), action: 'pipeline.delete', targetType: 'pipeline_stage', targetId: stageId, before: stage, after: { ...result, movedToName: movedTo?.name ?? null } });
    return result;
  });
}
