import {
  closestCenter,
  DndContext,
  type DragCancelEvent,
  type DragEndEvent,
  type DragOverEvent,
  type DragStartEvent,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import { arrayMove, SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { ActionsColumnHeader } from '../../ui/Table';
import { NoWorkspace, useChosenWorkspace, type WorkspaceEntry, WorkspacePicker } from '../records/WorkspacePicker';
import { DeleteStageDialog } from './DeleteStageDialog';
import { StageDialog } from './StageDialog';
import { dealsOf, type Stage, STAGE_KIND_LABELS } from './stageLabels';

/**
 * /orgs/:id/pipeline/:slug — a workspace's deal stages in order (seed 002). Workspace admins
 * drag them into a new order, add, rename, change probability and kind, and delete (moving the
 * stage's deals to another); everyone else reads.
 */
export function PipelinePage({ organisation }: { organisation: Organisation }) {
  const { workspace, slug } = useChosenWorkspace(organisation, 'pipeline');
  if (!workspace) {
    return (
      <>
        <div className="page-header">
          <h1>Pipeline</h1>
        </div>
        <NoWorkspace organisation={organisation} slug={slug} />
      </>
    );
  }
  return <WorkspacePipeline key={workspace.id} organisation={organisation} workspace={workspace} />;
}

type Dialogs = { kind: 'create' } | { kind: 'edit' | 'delete'; stage: Stage } | null;

function WorkspacePipeline({ organisation, workspace }: { organisation: Organisation; workspace: WorkspaceEntry }) {
  const utils = trpc.useUtils();
  const input = { workspaceId: workspace.id };
  const list = trpc.pipeline.list.useQuery(input);
  const [dialog, setDialog] = useState<Dialogs>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => Promise.all([utils.pipeline.list.invalidate(input), utils.deals.search.invalidate()]);
  const reorder = trpc.pipeline.reorder.useMutation({ onSettled: () => void utils.pipeline.list.invalidate(input) });
  const manages = workspace.role === 'admin';
  const stages = list.data?.stages ?? [];

  function moved(event: DragEndEvent) {
    const from = stages.findIndex((s) => s.id === event.active.id);
    const to = stages.findIndex((s) => s.id === event.over?.id);
    if (from < 0 || to < 0 || from === to) return;
    const reordered = arrayMove(stages, from, to);
    // Shown at once; read again when the server has answered (or refused).
    utils.pipeline.list.setData(input, { stages: reordered.map((s, position) => ({ ...s, position })) });
    setNotice(null);
    reorder.mutate({ ...input, stageIds: reordered.map((s) => s.id) });
  }

  return (
    <>
      <div className="page-header">
        <h1>Pipeline</h1>
        <div className="toolbar">
          <WorkspacePicker organisation={organisation} area="pipeline" workspace={workspace} />
          {manages && (
            <button type="button" className="button primary" onClick={() => setDialog({ kind: 'create' })}>
              New stage
            </button>
          )}
        </div>
      </div>
      <p className="hint">
        The stages a deal of {workspace.name} goes through, in order. A pipeline keeps at least one open, one won and one lost stage.
        {!manages && ' Only workspace admins change them.'}
      </p>
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <ErrorMessage error={list.error ?? reorder.error} />
      {list.isPending && <p className="loading">Loading…</p>}
      {stages.length > 0 && <StageTable stages={stages} sortable={manages && stages.length > 1} manages={manages} onMoved={moved} onAction={(kind, stage) => setDialog({ kind, stage })} />}
      {(dialog?.kind === 'create' || dialog?.kind === 'edit') && (
        <StageDialog
          workspaceId={workspace.id}
          stage={dialog.kind === 'edit' ? dialog.stage : null}
          onClose={() => setDialog(null)}
          onSaved={(stage) => {
            setDialog(null);
            setNotice(dialog.kind === 'edit' ? `Saved '${stage.name}'.` : `Added '${stage.name}'.`);
            void refresh();
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteStageDialog
          workspaceId={workspace.id}
          stage={dialog.stage}
          stages={stages}
          onClose={() => setDialog(null)}
          onDeleted={(movedTo) => {
            setDialog(null);
            setNotice(movedTo ? `Deleted '${dialog.stage.name}'; its ${dealsOf(dialog.stage.dealCount)} moved to '${movedTo.name}'.` : `Deleted '${dialog.stage.name}'.`);
            void refresh();
          }}
        />
      )}
    </>
  );
}

function StageTable(props: { stages: Stage[]; sortable: boolean; manages: boolean; onMoved: (event: DragEndEvent) => void; onAction: (kind: 'edit' | 'delete', stage: Stage) => void }) {
  const { stages } = props;
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 4 } }), useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }));
  const label = (id: string | number) => stages.find((s) => s.id === id)?.name ?? 'the stage';
  // What screen readers hear while a stage is moved, in the stages' own names rather than ids.
  const accessibility = {
    screenReaderInstructions: { draggable: 'To reorder a stage, press space or enter to pick it up, the arrow keys to move it, space or enter to drop it, and escape to cancel.' },
    announcements: {
      onDragStart: ({ active }: DragStartEvent) => `Picked up ${label(active.id)}.`,
      onDragOver: ({ active, over }: DragOverEvent) =>
        over?.id === active.id ? undefined : over ? `${label(active.id)} is over the place of ${label(over.id)}.` : `${label(active.id)} is over no place.`,
      onDragEnd: ({ active, over }: DragEndEvent) => (over ? `${label(active.id)} was dropped at the place of ${label(over.id)}.` : `${label(active.id)} was dropped.`),
      onDragCancel: ({ active }: DragCancelEvent) => `Moving ${label(active.id)} was cancelled.`,
    },
  };
  return (
    <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={props.onMoved} accessibility={accessibility}>
      <table className="table fields-table" aria-label="Pipeline stages">
        <thead>
          <tr>
            {props.sortable && (
              <th scope="col">
                <span className="visually-hidden">Order</span>
              </th>
            )}
            <th scope="col">Stage</th>
            <th scope="col">Win probability</th>
            <th scope="col">Kind</th>
            <th scope="col">Deals</th>
            <ActionsColumnHeader />
          </tr>
        </thead>
        <SortableContext items={stages.map((s) => s.id)} strategy={verticalListSortingStrategy}>
          <tbody>
            {stages.map((stage) => (
              <StageRow key={stage.id} stage={stage} sortable={props.sortable} manages={props.manages} onAction={props.onAction} />
            ))}
          </tbody>
        </SortableContext>
      </table>
    </DndContext>
  );
}

function StageRow(props: { stage: Stage; sortable: boolean; manages: boolean; onAction: (kind: 'edit' | 'delete', stage: Stage) => void }) {
  const { stage } = props;
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id: stage.id, disabled: !props.sortable });
  return (
    <tr ref={setNodeRef} className={isDragging ? 'dragging' : undefined} style={{ transform: CSS.Translate.toString(transform), transition }}>
      {props.sortable && (
        <td className="drag-cell">
          <button type="button" className="drag-handle" ref={setActivatorNodeRef} {...attributes} {...listeners} aria-label={`Drag to reorder ${stage.name}`}>
            ⠿
          </button>
        </td>
      )}
      <th scope="row">{stage.name}</th>
      <td>{stage.probability}%</td>
      <td>
        <span className={`status stage-${stage.kind}`}>{STAGE_KIND_LABELS[stage.kind]}</span>
      </td>
      <td>{stage.dealCount === 0 ? <span className="muted">None</span> : dealsOf(stage.dealCount)}</td>
      <td className="actions">
        {props.manages && (
          <>
            <button type="button" className="button small" aria-label={`Edit ${stage.name}`} onClick={() => props.onAction('edit', stage)}>
              Edit
            </button>
            <button type="button" className="button small danger" aria-label={`Delete ${stage.name}`} onClick={() => props.onAction('delete', stage)}>
              Delete
            </button>
          </>
        )}
      </td>
    </tr>
  );
}
