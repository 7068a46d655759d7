import { useState } from 'react';
import { trpc } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { dealsOf, type Stage, STAGE_KIND_LABELS } from './stageLabels';

/**
 * Deletes a stage. When deals are in it, asks for the stage they move to; the server moves them
 * and deletes the stage in one transaction.
 */
export function DeleteStageDialog(props: { workspaceId: string; stage: Stage; stages: Stage[]; onClose: () => void; onDeleted: (movedTo: Stage | null) => void }) {
  const { stage } = props;
  const others = props.stages.filter((s) => s.id !== stage.id);
  const [moveDealsTo, setMoveDealsTo] = useState(others.find((s) => s.kind === stage.kind)?.id ?? others[0]?.id ?? '');
  const remove = trpc.pipeline.delete.useMutation({ onSuccess: (result) => props.onDeleted(others.find((s) => s.id === result.movedTo) ?? null) });
  const hasDeals = stage.dealCount > 0;

  return (
    <Dialog title={`Delete ${stage.name}?`} onClose={props.onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          remove.mutate({ workspaceId: props.workspaceId, stageId: stage.id, ...(hasDeals && { moveDealsTo }) });
        }}
      >
        {hasDeals ? (
          <>
            <p>
              {dealsOf(stage.dealCount)} {stage.dealCount === 1 ? 'is' : 'are'} in {stage.name}. Choose the stage to move {stage.dealCount === 1 ? 'it' : 'them'} to; the
              stage is deleted when they have moved.
            </p>
            <Field label="Move the deals to">
              {(control) => (
                <select {...control} value={moveDealsTo} onChange={(e) => setMoveDealsTo(e.target.value)}>
                  {others.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name} ({STAGE_KIND_LABELS[s.kind]}, {s.probability}%)
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </>
        ) : (
          <p>No deal is in this stage, so nothing moves.</p>
        )}
        <DialogActions mutation={remove} submitLabel={hasDeals ? 'Move deals and delete' : 'Delete stage'} pendingLabel="Deleting…" onCancel={props.onClose} danger />
      </form>
    </Dialog>
  );
}
