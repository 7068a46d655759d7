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
import { can } from '../../permissions';
import { Link } from '../../routes';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { ActionsColumnHeader } from '../../ui/Table';
import { NoWorkspace, useChosenWorkspace, type WorkspaceEntry, WorkspacePicker } from '../records/WorkspacePicker';
import { ChangeTypeDialog } from './ChangeTypeDialog';
import { CreateFieldDialog, type FieldChange } from './CreateFieldDialog';
import { DeleteFieldDialog } from './DeleteFieldDialog';
import { EditFieldDialog } from './EditFieldDialog';
import {
  countOf,
  ENTITY_LABELS,
  FIELD_ENTITIES,
  FIELD_SCOPE_HINTS,
  FIELD_SCOPE_LABELS,
  FIELD_TYPE_LABELS,
  type FieldDefinition,
  type FieldEntity,
  type FieldScope,
  isSelectType,
  orderedFields,
} from './fieldLabels';
import { OptionsDialog } from './OptionsDialog';

const SCOPE_HEADINGS: Record<FieldScope, string> = {
  core: 'Core fields',
  global_internal: 'Global internal fields',
  workspace: 'This workspace’s fields',
};

/**
 * /orgs/:id/fields/:slug/:entity — the custom fields of contacts, companies or deals as a
 * workspace sees them, grouped by scope. Workspace admins manage their workspace's fields,
 * organisation admins also the core and global-internal ones; everyone else reads.
 */
export function FieldsPage({ organisation }: { organisation: Organisation }) {
  const { workspace, slug, rest } = useChosenWorkspace(organisation, 'fields');
  const entity = FIELD_ENTITIES.find((e) => e === rest[0]) ?? 'contact';
  if (!workspace) {
    return (
      <>
        <div className="page-header">
          <h1>Fields</h1>
        </div>
        <NoWorkspace organisation={organisation} slug={slug} />
      </>
    );
  }
  return <WorkspaceFields key={`${workspace.id}:${entity}`} organisation={organisation} workspace={workspace} entity={entity} />;
}

type Dialogs =
  | { kind: 'create' }
  | { kind: 'edit' | 'options' | 'changeType' | 'delete'; field: FieldDefinition }
  | null;

function WorkspaceFields({ organisation, workspace, entity }: { organisation: Organisation; workspace: WorkspaceEntry; entity: FieldEntity }) {
  const utils = trpc.useUtils();
  const input = { workspaceId: workspace.id, entity };
  // A new field's filter index builds in the background: look again until it is ready.
  const list = trpc.fields.list.useQuery(input, { refetchInterval: (query) => (query.state.data?.some((f) => f.indexStatus === 'building') ? 2000 : false) });
  const [dialog, setDialog] = useState<Dialogs>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** After "required" was switched on: how many records the server says still lack a value, per field. */
  const [missing, setMissing] = useState<Record<string, number>>({});
  const reorder = trpc.fields.reorder.useMutation({ onSettled: () => void utils.fields.list.invalidate(input) });
  const noun = ENTITY_LABELS[entity];

  const managesCore = can(organisation, 'fields.manageCore');
  const managesWorkspace = workspace.role === 'admin';
  const mayManage = (field: FieldDefinition) => (field.scope === 'workspace' ? managesWorkspace : managesCore);
  // Global-internal fields show only in the global workspace, so they are created from there.
  const scopes: FieldScope[] = [
    ...(managesWorkspace ? (['workspace'] as const) : []),
    ...(managesCore ? (['core'] as const) : []),
    ...(managesCore && workspace.kind === 'global' ? (['global_internal'] as const) : []),
  ];
  const fields = orderedFields(list.data ?? []);
  const refresh = () => Promise.all([utils.fields.list.invalidate(), utils.contacts.search.invalidate(), utils.companies.search.invalidate(), utils.deals.search.invalidate()]);

  function saved(change: FieldChange, what: string) {
    setDialog(null);
    void refresh();
    if (change.required && change.recordsMissingValue !== null) {
      setMissing((m) => ({ ...m, [change.id]: change.recordsMissingValue! }));
      const n = change.recordsMissingValue;
      setNotice(
        n === 0
          ? `${what} Every ${noun.one} has a value for '${change.label}'.`
          : `${what} ${countOf(n, noun.one, noun.many)} ${n === 1 ? 'has' : 'have'} no value for '${change.label}' yet; each must get one at its next save.`,
      );
    } else setNotice(what);
  }

  function moved(scope: FieldScope, event: DragEndEvent) {
    const group = fields.filter((f) => f.scope === scope);
    const from = group.findIndex((f) => f.id === event.active.id);
    const to = group.findIndex((f) => f.id === event.over?.id);
    if (from < 0 || to < 0 || from === to) return;
    const reordered = arrayMove(group, from, to);
    // Shown at once; the list is read again when the server has answered (or refused).
    utils.fields.list.setData(input, orderedFields(fields.map((f) => (f.scope === scope ? reordered.shift()! : f))));
    reorder.mutate({ ...input, fieldIds: arrayMove(group, from, to).map((f) => f.id) });
  }

  return (
    <>
      <div className="page-header">
        <h1>Fields</h1>
        <div className="toolbar">
          <WorkspacePicker organisation={organisation} area="fields" workspace={workspace} suffix={`/${entity}`} />
          {scopes.length > 0 && (
            <button type="button" className="button primary" onClick={() => setDialog({ kind: 'create' })}>
              New field
            </button>
          )}
        </div>
      </div>
      <nav className="tabs" aria-label="Record type">
        {FIELD_ENTITIES.map((e) => (
          <Link key={e} to={`/orgs/${organisation.id}/fields/${encodeURIComponent(workspace.slug)}/${e}`} aria-current={e === entity ? 'page' : undefined}>
            {ENTITY_LABELS[e].title}
          </Link>
        ))}
      </nav>
      <p className="hint">
        What {workspace.name} tracks about {noun.many} beyond the built-ins. Fields appear on records, in list filters and in the API.
        {scopes.length === 0 && ' Only workspace admins change this workspace’s fields, and organisation admins the core ones.'}
      </p>
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <ErrorMessage error={list.error ?? reorder.error} />
      {list.isPending && <p className="loading">Loading…</p>}
      {list.data && fields.length === 0 && <p className="muted">No custom fields on {noun.many} here yet.</p>}
      {(['core', 'global_internal', 'workspace'] as const).map((scope) => {
        const group = fields.filter((f) => f.scope === scope);
        if (group.length === 0) return null;
        return (
          <FieldGroup
            key={scope}
            scope={scope}
            fields={group}
            noun={noun}
            missing={missing}
            mayManage={mayManage}
            onMoved={(event) => moved(scope, event)}
            onAction={(kind, field) => {
              setNotice(null);
              setDialog({ kind, field });
            }}
          />
        );
      })}

      {dialog?.kind === 'create' && (
        <CreateFieldDialog
          workspaceId={workspace.id}
          entity={entity}
          scopes={scopes}
          onClose={() => setDialog(null)}
          onCreated={(field) => saved(field, `Created '${field.label}' (key ${field.key}).`)}
        />
      )}
      {dialog?.kind === 'edit' && <EditFieldDialog field={dialog.field} onClose={() => setDialog(null)} onSaved={(field) => saved(field, `Saved '${field.label}'.`)} />}
      {dialog?.kind === 'options' && <OptionsDialog field={dialog.field} onClose={() => setDialog(null)} onSaved={(field) => saved(field, `Saved the options of '${field.label}'.`)} />}
      {dialog?.kind === 'changeType' && (
        <ChangeTypeDialog
          field={dialog.field}
          onClose={() => setDialog(null)}
          onChanged={() => {
            setDialog(null);
            setNotice(`Changed the type of '${dialog.field.label}'.`);
            void refresh();
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteFieldDialog
          field={dialog.field}
          onClose={() => setDialog(null)}
          onDeleted={() => {
            setDialog(null);
            setNotice(`Deleted '${dialog.field.label}'.`);
            void refresh();
          }}
        />
      )}
    </>
  );
}

function FieldGroup(props: {
  scope: FieldScope;
  fields: FieldDefinition[];
  noun: { one: string; many: string };
  missing: Record<string, number>;
  mayManage: (field: FieldDefinition) => boolean;
  onMoved: (event: DragEndEvent) => void;
  onAction: (kind: 'edit' | 'options' | 'changeType' | 'delete', field: FieldDefinition) => void;
}) {
  const { scope, fields } = props;
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 4 } }), useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }));
  const sortable = fields.length > 1 && fields.every(props.mayManage);
  const headingId = `fields-${scope}-heading`;
  const label = (id: string | number) => fields.find((f) => f.id === id)?.label ?? 'the field';
  // What screen readers hear while a field is moved, in the fields' own names rather than ids.
  const accessibility = {
    screenReaderInstructions: { draggable: 'To reorder a field, press space or enter to pick it up, the arrow keys to move it, space or enter to drop it, and escape to cancel.' },
    announcements: {
      onDragStart: ({ active }: DragStartEvent) => `Picked up ${label(active.id)}.`,
      // Over its own place (as a drag starts) there is nothing new to say.
      onDragOver: ({ active, over }: DragOverEvent) =>
        over?.id === active.id ? undefined : over ? `${label(active.id)} is over the place of ${label(over.id)}.` : `${label(active.id)} is over no place.`,
      onDragEnd: ({ active, over }: DragEndEvent) => (over ? `${label(active.id)} was dropped at the place of ${label(over.id)}.` : `${label(active.id)} was dropped.`),
      onDragCancel: ({ active }: DragCancelEvent) => `Moving ${label(active.id)} was cancelled.`,
    },
  };
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>
        {SCOPE_HEADINGS[scope]} <small className="muted">— {FIELD_SCOPE_HINTS[scope]}</small>
      </h2>
      <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={props.onMoved} accessibility={accessibility}>
        <table className="table fields-table">
          <thead>
            <tr>
              {sortable && (
                <th scope="col">
                  <span className="visually-hidden">Order</span>
                </th>
              )}
              <th scope="col">Label</th>
              <th scope="col">Key</th>
              <th scope="col">Type</th>
              <th scope="col">Scope</th>
              <th scope="col">Required</th>
              <ActionsColumnHeader />
            </tr>
          </thead>
          <SortableContext items={fields.map((f) => f.id)} strategy={verticalListSortingStrategy}>
            <tbody>
              {fields.map((field) => (
                <FieldRow key={field.id} field={field} sortable={sortable} manageable={props.mayManage(field)} missing={props.missing[field.id]} noun={props.noun} onAction={props.onAction} />
              ))}
            </tbody>
          </SortableContext>
        </table>
      </DndContext>
    </section>
  );
}

function FieldRow(props: {
  field: FieldDefinition;
  sortable: boolean;
  manageable: boolean;
  missing: number | undefined;
  noun: { one: string; many: string };
  onAction: (kind: 'edit' | 'options' | 'changeType' | 'delete', field: FieldDefinition) => void;
}) {
  const { field, manageable } = props;
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id: field.id, disabled: !props.sortable });
  const activeOptions = field.options.filter((o) => !o.archived).length;
  const archivedOptions = field.options.length - activeOptions;
  return (
    <tr ref={setNodeRef} className={isDragging ? 'dragging' : undefined} style={{ transform: CSS.Translate.toString(transform), transition }}>
      {props.sortable && (
        <td className="drag-cell">
          <button type="button" className="drag-handle" ref={setActivatorNodeRef} {...attributes} {...listeners} aria-label={`Drag to reorder ${field.label}`}>
            ⠿
          </button>
        </td>
      )}
      <th scope="row" className="field-label">
        {field.label}
        {field.description && <small className="hint">{field.description}</small>}
      </th>
      <td>
        <code>{field.key}</code>
      </td>
      <td>
        {FIELD_TYPE_LABELS[field.type]}
        {isSelectType(field.type) && (
          <small className="hint">
            {countOf(activeOptions, 'option', 'options')}
            {archivedOptions > 0 && `, ${archivedOptions} archived`}
          </small>
        )}
        {field.indexStatus === 'building' && <small className="hint">Filter index building…</small>}
      </td>
      <td>
        <span className={`status scope-${field.scope}`}>{FIELD_SCOPE_LABELS[field.scope]}</span>
      </td>
      <td>
        {field.required ? 'Required' : <span className="muted">Optional</span>}
        {field.required && props.missing !== undefined && props.missing > 0 && (
          <small className="hint">{countOf(props.missing, `${props.noun.one} lacks`, `${props.noun.many} lack`)} a value</small>
        )}
      </td>
      <td className="actions">
        {manageable && (
          <>
            <button type="button" className="button small" aria-label={`Edit ${field.label}`} onClick={() => props.onAction('edit', field)}>
              Edit
            </button>
            {isSelectType(field.type) && (
              <button type="button" className="button small" aria-label={`Options of ${field.label}`} onClick={() => props.onAction('options', field)}>
                Options
              </button>
            )}
            <button type="button" className="button small" aria-label={`Change the type of ${field.label}`} onClick={() => props.onAction('changeType', field)}>
              Change type
            </button>
            <button type="button" className="button small danger" aria-label={`Delete ${field.label}`} onClick={() => props.onAction('delete', field)}>
              Delete
            </button>
          </>
        )}
      </td>
    </tr>
  );
}
