import { useEffect, useState } from 'react';
import { trpc } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { countOf, ENTITY_LABELS, FIELD_TYPE_LABELS, type FieldDefinition, type FieldType } from './fieldLabels';

/**
 * The conversions that keep every value (the server refuses the others with the same words):
 * number → text, select → multi-select, and text → select with a mapping of texts to options.
 */
const SAFE_CONVERSION: Partial<Record<FieldType, FieldType>> = { number: 'text', select: 'multi_select', text: 'select' };

interface MappingRow {
  from: string;
  option: string;
}

/** Changes a field's type after a dry run has counted what would not convert. */
export function ChangeTypeDialog(props: { field: FieldDefinition; onClose: () => void; onChanged: () => void }) {
  const { field } = props;
  const target = SAFE_CONVERSION[field.type];
  const noun = ENTITY_LABELS[field.entity];
  const [mapping, setMapping] = useState<MappingRow[]>([{ from: '', option: '' }]);
  const dryRun = trpc.fields.changeType.useMutation();
  const apply = trpc.fields.changeType.useMutation({ onSuccess: props.onChanged });
  const needsMapping = target === 'select';
  const sentMapping = mapping.filter((m) => m.from.trim() !== '' && m.option.trim() !== '').map((m) => ({ from: m.from, option: m.option.trim() }));
  // The count shown must be the count of what would be applied: a mapping edited since needs a new check.
  const [checked, setChecked] = useState<string | null>(null);
  const current = JSON.stringify(sentMapping);
  const upToDate = dryRun.data && checked === current;

  const check = () => {
    setChecked(current);
    dryRun.mutate({ fieldId: field.id, type: target!, mapping: needsMapping ? sentMapping : undefined, dryRun: true });
  };
  useEffect(() => {
    // Conversions without a mapping are counted as soon as the dialog opens.
    if (target && !needsMapping) {
      setChecked(JSON.stringify([]));
      dryRun.mutate({ fieldId: field.id, type: target, dryRun: true });
    }
    // Once, when the dialog opens (the dialog is mounted per field).
  }, []);

  if (!target) {
    return (
      <Dialog title={`Change the type of ${field.label}`} onClose={props.onClose}>
        <p>
          A {FIELD_TYPE_LABELS[field.type].toLowerCase()} field cannot change type: only number → text, select → multi-select and text → select (with a mapping)
          keep every value. Create a new field and copy what you need instead.
        </p>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={props.onClose}>
            Close
          </button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title={`Change the type of ${field.label}`} onClose={props.onClose} wide>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          apply.mutate({ fieldId: field.id, type: target, mapping: needsMapping ? sentMapping : undefined, dryRun: false });
        }}
      >
        <p>
          From <strong>{FIELD_TYPE_LABELS[field.type]}</strong> to <strong>{FIELD_TYPE_LABELS[target]}</strong>.
        </p>
        {needsMapping && (
          <fieldset className="mapping">
            <legend>Which option each text becomes</legend>
            <p className="hint">Texts not listed lose their value. Several texts may become the same option.</p>
            {mapping.map((row, index) => (
              <div key={index} className="mapping-row">
                <input
                  aria-label={`Text ${index + 1}`}
                  placeholder="Text as stored"
                  maxLength={10_000}
                  value={row.from}
                  onChange={(e) => setMapping((rows) => rows.map((r, i) => (i === index ? { ...r, from: e.target.value } : r)))}
                />
                <span aria-hidden="true">→</span>
                <input
                  aria-label={`Option for text ${index + 1}`}
                  placeholder="Option"
                  maxLength={100}
                  value={row.option}
                  onChange={(e) => setMapping((rows) => rows.map((r, i) => (i === index ? { ...r, option: e.target.value } : r)))}
                />
              </div>
            ))}
            <div>
              <button type="button" className="button small" onClick={() => setMapping((rows) => [...rows, { from: '', option: '' }])}>
                Add a text
              </button>{' '}
              <button type="button" className="button small" onClick={check} disabled={sentMapping.length === 0 || dryRun.isPending}>
                Count what converts
              </button>
            </div>
          </fieldset>
        )}
        {dryRun.isPending && <p className="loading">Counting…</p>}
        <ErrorMessage error={dryRun.error} />
        {dryRun.data && (
          <p role="status" className={dryRun.data.unconvertible > 0 ? 'banner' : undefined}>
            {countOf(dryRun.data.recordsWithValue, noun.one, noun.many)} {dryRun.data.recordsWithValue === 1 ? 'holds' : 'hold'} a value.{' '}
            {dryRun.data.unconvertible === 0
              ? 'Every value converts.'
              : `${countOf(dryRun.data.unconvertible, 'value does', 'values do')} not convert and will be cleared.`}
            {!upToDate && ' The mapping changed since: count again.'}
          </p>
        )}
        <DialogActions
          mutation={apply}
          submitLabel={`Change to ${FIELD_TYPE_LABELS[target].toLowerCase()}`}
          pendingLabel="Changing…"
          onCancel={props.onClose}
          disabled={!upToDate}
          danger={Boolean(dryRun.data && dryRun.data.unconvertible > 0)}
        />
      </form>
    </Dialog>
  );
}
