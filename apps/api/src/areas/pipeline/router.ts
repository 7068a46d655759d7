import { workspaceProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import { pipelineForecast } from './forecast.js';
import { createStage, deleteStage, listStages, reorderStages, updateStage } from './stages.js';
import { createStageInput, deleteStageInput, deletedStageOutput, forecastOutput, reorderedOutput, reorderStagesInput, stageListOutput, stageOutput, updateStageInput } from './schemas.js';

const placeOf = (ctx: { org: { id: string }; workspace: { id: string } }) => ({ organisationId: ctx.org.id, workspaceId: ctx.workspace.id });

const TAGS = ['pipeline'];

/** Stages are read by whoever reads deals (the deal form picks one); managed by the workspace's admins (SPEC §2). */
export const pipelineRouter = router({
  list: workspaceProcedure('records.read')
    .meta({ openapi: { method: 'GET', path: '/workspaces/{workspaceId}/pipeline/stages', tags: TAGS, summary: "A workspace's pipeline stages in order, with their deal counts" } })
    .output(stageListOutput)
    .query(({ ctx }) => listStages(ctx.db, placeOf(ctx))),

  forecast: workspaceProcedure('records.read')
    .meta({ openapi: { method: 'GET', path: '/workspaces/{workspaceId}/pipeline/forecast', tags: TAGS, summary: 'Weighted forecast (amount × win probability) per stage and in total, per currency' } })
    .output(forecastOutput)
    .query(({ ctx }) => pipelineForecast(ctx.db, placeOf(ctx))),

  create: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/pipeline/stages', tags: TAGS, summary: 'Add a stage (last in the order)' } })
    .input(createStageInput)
    .output(stageOutput)
    .mutation(({ ctx, input }) => createStage(ctx.db, actorOf(ctx), placeOf(ctx), input)),

  update: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'PATCH', path: '/workspaces/{workspaceId}/pipeline/stages/{stageId}', tags: TAGS, summary: "Rename a stage or change its win probability or kind" } })
    .input(updateStageInput)
    .output(stageOutput)
    .mutation(({ ctx, input }) => {
      const { stageId, workspaceId: _workspaceId, ...changes } = input;
      return updateStage(ctx.db, actorOf(ctx), placeOf(ctx), stageId, changes);
    }),

  reorder: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'PUT', path: '/workspaces/{workspaceId}/pipeline/order', tags: TAGS, summary: 'Put every stage in a new order in one call' } })
    .input(reorderStagesInput)
    .output(reorderedOutput)
    .mutation(({ ctx, input }) => reorderStages(ctx.db, actorOf(ctx), placeOf(ctx), input.stageIds)),

  delete: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'DELETE', path: '/workspaces/{workspaceId}/pipeline/stages/{stageId}', tags: TAGS, summary: "Delete a stage, moving its deals to another stage (moveDealsTo)" } })
    .input(deleteStageInput)
    .output(deletedStageOutput)
    .mutation(({ ctx, input }) => deleteStage(ctx.db, actorOf(ctx), placeOf(ctx), input.stageId, input.moveDealsTo)),
});
