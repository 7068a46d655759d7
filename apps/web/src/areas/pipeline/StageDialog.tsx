import { useState } from 'react';
import { trpc } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { ChoiceField, Field } from '../../ui/Field';
import { type Stage, STAGE_KIND_LABELS, STAGE_KINDS, type StageKind } from './stageLabels';

/** Adds a stage at the end of the pipeline, or renames one and changes its probability or kind. */
export function StageDialog(props: { workspaceId: string; stage: Stage | null; onClose: () => void; onSaved: (stage: Stage) => void }) {
  const { stage } = props;
  const [name, setName] = useState(stage?.name ?? '');
  const [probability, setProbability] = useState(String(stage?.probability ?? 50));
  const [kind, setKind] = useState<StageKind>(stage?.kind ?? 'open');
  const create = trpc.pipeline.create.useMutation({ onSuccess: props.onSaved });
  const update = trpc.pipeline.update.useMutation({ onSuccess: props.onSaved });
  const save = stage ? update : create;

  return (
    <Dialog title={stage ? `Edit ${stage.name}` : 'New stage'} onClose={props.onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          const values = { name: name.trim(), probability: Number(probability), kind };
          if (stage) update.mutate({ workspaceId: props.workspaceId, stageId: stage.id, ...values });
          else create.mutate({ workspaceId: props.workspaceId, ...values });
        }}
      >
        <Field label="Name">{(control) => <input {...control} required maxLength={60} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
        <Field label="Win probability (%)" hint="0 to 100: how likely a deal in this stage is to be won. The forecast weighs each deal’s amount by it.">
          {(control) => <input {...control} type="number" required min={0} max={100} step={1} value={probability} onChange={(e) => setProbability(e.target.value)} />}
        </Field>
        <ChoiceField
          label="Kind"
          hint="Open stages are still in play; won and lost stages close a deal. A pipeline keeps at least one of each."
          value={kind}
          choices={STAGE_KINDS}
          labels={STAGE_KIND_LABELS}
          onChange={setKind}
        />
        <DialogActions mutation={save} submitLabel={stage ? 'Save stage' : 'Add stage'} pendingLabel="Saving…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
