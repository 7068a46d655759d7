import { type Db, sql } from '@steward/db';
import type { PipelinePlace } from './stages.js';

/**
 * The weighted forecast of a workspace's deals: per stage and in total, the sum of amounts and of
 * amount × the stage's win probability, one line per currency (amounts of different currencies
 * are never added). One grouped query over the deals; deals without an amount count, add nothing.
 */
export async function pipelineForecast(db: Db, place: PipelinePlace) {
  const rows = await db
    .selectFrom('pipeline_stages as s')
    .leftJoin('deals as d', 'd.stage_id', 's.id')
    .select([
      's.id as stageId',
      's.name',
      's.probability',
      's.kind',
      's.position',
      'd.currency',
      (eb) => eb.fn.count<string>('d.id').as('deals'),
      sql<string | null>`sum(d.amount)`.as('amount'),
      sql<string | null>`round(sum(d.amount * s.probability / 100.0), 2)`.as('weighted'),
    ])
    .where('s.workspace_id', '=', place.workspaceId)
    .where('s.organisation_id', '=', place.organisationId)
    .groupBy(['s.id', 'd.currency'])
    .orderBy('s.position')
    .orderBy('d.currency')
    .execute();

  const stages = new Map<string, { stageId: string; name: string; probability: number; kind: 'open' | 'won' | 'lost'; deals: number; amounts: { currency: string | null; amount: number; weighted: number }[] }>();
  const totals = new Map<string | null, { currency: string | null; deals: number; amount: number; weighted: number }>();
  for (const row of rows) {
    const stage = stages.get(row.stageId) ?? { stageId: row.stageId, name: row.name, probability: row.probability, kind: row.kind, deals: 0, amounts: [] };
    stages.set(row.stageId, stage);
    const deals = Number(row.deals);
    if (deals === 0) continue;
    stage.deals += deals;
    const amount = Number(row.amount ?? 0);
    const weighted = Number(row.weighted ?? 0);
    if (row.amount !== null) stage.amounts.push({ currency: row.currency, amount, weighted });
    const total = totals.get(row.currency) ?? { currency: row.currency, deals: 0, amount: 0, weighted: 0 };
    totals.set(row.currency, { ...total, deals: total.deals + deals, amount: total.amount + amount, weighted: Math.round((total.weighted + weighted) * 100) / 100 });
  }
  return { stages: [...stages.values()], totals: [...totals.values()] };
}
