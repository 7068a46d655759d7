import { useState } from 'react';
import { trpc } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import type { FieldChange } from './CreateFieldDialog';
import type { FieldDefinition } from './fieldLabels';

interface EditedOption {
  /** Absent for an option added in this dialog. */
  id?: string;
  label: string;
  archived: boolean;
}

/**
 * The options of a select or multi-select field: add, rename, reorder, archive and restore.
 * Options carry ids, so none of this rewrites a record. Saved options are never removed (records
 * may hold them): an archived option stays on old records and cannot be chosen anew.
 */
export function OptionsDialog(props: { field: FieldDefinition; onClose: () => void; onSaved: (field: FieldChange) => void }) {
  const { field } = props;
  const [options, setOptions] = useState<EditedOption[]>(() => field.options.map((o) => ({ ...o })));
  const [newLabel, setNewLabel] = useState('');
  const update = trpc.fields.update.useMutation({ onSuccess: props.onSaved });

  const change = (index: number, patch: Partial<EditedOption>) => setOptions((list) => list.map((o, i) => (i === index ? { ...o, ...patch } : o)));
  const move = (index: number, by: -1 | 1) =>
    setOptions((list) => {
      const next = [...list];
      const [moved] = next.splice(index, 1);
      next.splice(index + by, 0, moved!);
      return next;
    });
  const add = () => {
    const label = newLabel.trim();
    if (!label) return;
    setOptions((list) => [...list, { label, archived: false }]);
    setNewLabel('');
  };

  return (
    <Dialog title={`Options of ${field.label}`} onClose={props.onClose} wide>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          update.mutate({ fieldId: field.id, options: options.map((o) => ({ id: o.id, label: o.label.trim(), archived: o.archived })) });
        }}
      >
        {options.length === 0 && <p className="muted">No options yet.</p>}
        <ol className="option-list">
          {options.map((option, index) => (
            <li key={option.id ?? `new-${index}`} className={option.archived ? 'archived' : undefined}>
              <input
                aria-label={`Option ${index + 1}`}
                required
                maxLength={100}
                value={option.label}
                onChange={(e) => change(index, { label: e.target.value })}
              />
              {option.archived && <span className="status">Archived</span>}
              {!option.id && <span className="status pending">New</span>}
              <button type="button" className="button small" aria-label={`Move ${option.label} up`} disabled={index === 0} onClick={() => move(index, -1)}>
                ↑
              </button>
              <button type="button" className="button small" aria-label={`Move ${option.label} down`} disabled={index === options.length - 1} onClick={() => move(index, 1)}>
                ↓
              </button>
              {option.id ? (
                <button type="button" className="button small" onClick={() => change(index, { archived: !option.archived })}>
                  {option.archived ? `Restore` : `Archive`}
                  <span className="visually-hidden"> {option.label}</span>
                </button>
              ) : (
                <button type="button" className="button small danger" onClick={() => setOptions((list) => list.filter((_, i) => i !== index))}>
                  Remove<span className="visually-hidden"> {option.label}</span>
                </button>
              )}
            </li>
          ))}
        </ol>
        <div className="add-option">
          <input
            aria-label="New option"
            placeholder="New option"
            maxLength={100}
            value={newLabel}
            onChange={(e) => setNewLabel(e.target.value)}
            onKeyDown={(e) => {
              // Enter adds the option instead of submitting the whole list.
              if (e.key === 'Enter') {
                e.preventDefault();
                add();
              }
            }}
          />
          <button type="button" className="button" onClick={add} disabled={newLabel.trim() === ''}>
            Add option
          </button>
        </div>
        <p className="hint">Archived options stay on the records that hold them and can be restored; they cannot be chosen anew.</p>
        <DialogActions mutation={update} submitLabel="Save options" pendingLabel="Saving…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
