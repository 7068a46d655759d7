import { useState } from 'react';
import { Field } from '../../ui/Field';
import { type Filterable, type FilterOp, opLabel, OPS_BY_KIND, type RecordFilter } from './filters';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

interface Draft {
  field: string;
  op: FilterOp;
  /** The value, or the lower bound of "between". */
  first: string;
  /** The upper bound of "between". */
  second: string;
  /** The options chosen for "any of" / "all of" on select kinds. */
  chosen: string[];
}

function startDraft(filterable: Filterable | undefined): Draft {
  const kind = filterable?.kind ?? 'text';
  const first = kind === 'boolean' ? 'true' : (kind === 'select' || kind === 'choice') && filterable?.options?.[0] ? filterable.options[0].id : '';
  return { field: filterable?.field ?? '', op: OPS_BY_KIND[kind][0]!, first, second: '', chosen: [] };
}

const choosesMany = (filterable: Filterable, op: FilterOp) => (op === 'anyOf' || op === 'allOf') && filterable.kind !== 'text';

/** The filter a draft describes, or what is missing from it. */
function buildFilter(filterable: Filterable, draft: Draft): { filter: RecordFilter } | { problem: string } {
  const { field, op } = draft;
  if (op === 'set' || op === 'notSet') return { filter: { field, op } };
  if (choosesMany(filterable, op)) {
    return draft.chosen.length > 0 ? { filter: { field, op, value: draft.chosen } } : { problem: 'Choose at least one value.' };
  }
  const scalar = (text: string): { value: string | number | boolean } | { problem: string } => {
    const trimmed = text.trim();
    switch (filterable.kind) {
      case 'number':
        return trimmed !== '' && Number.isFinite(Number(trimmed)) ? { value: Number(trimmed) } : { problem: 'Enter a number.' };
      case 'date':
        return DATE.test(trimmed) ? { value: trimmed } : { problem: 'Enter a date.' };
      case 'boolean':
        return { value: trimmed === 'true' };
      default:
        return trimmed !== '' ? { value: trimmed } : { problem: 'Enter a value.' };
    }
  };
  if (op === 'between') {
    const from = scalar(draft.first);
    const to = scalar(draft.second);
    if ('problem' in from) return from;
    if ('problem' in to) return to;
    if (from.value > to.value) return { problem: 'Put the smaller value first.' };
    return { filter: { field, op, value: [from.value, to.value] } };
  }
  if (op === 'anyOf') {
    const values = draft.first
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
    return values.length > 0 ? { filter: { field, op, value: values } } : { problem: 'Enter one or more values, separated by commas.' };
  }
  const value = scalar(draft.first);
  return 'problem' in value ? value : { filter: { field, op, value: value.value } };
}

/** A filter in words: "Tier is any of Gold, Silver". */
export function describeFilter(filterables: Filterable[], filter: RecordFilter): string {
  const filterable = filterables.find((f) => f.field === filter.field);
  if (!filterable) return `${filter.field} ${filter.op}`;
  const name = (v: unknown) => {
    if (filterable.kind === 'boolean') return v === true ? 'yes' : 'no';
    const option = filterable.options?.find((o) => o.id === v);
    return option ? option.label : String(v);
  };
  const values = Array.isArray(filter.value) ? filter.value : filter.value === undefined ? [] : [filter.value];
  const shown = filter.op === 'between' ? values.map(name).join(' and ') : values.map(name).join(', ');
  return `${filterable.label} ${opLabel(filterable.kind, filter.op)}${shown ? ` ${shown}` : ''}`;
}

/**
 * The filter bar of a records list: choose an attribute, an operator that fits its type, and a
 * value; each filter added narrows the list further (they are combined with AND on the server).
 */
export function FilterBar(props: { noun: string; filterables: Filterable[]; filters: RecordFilter[]; onChange: (filters: RecordFilter[]) => void }) {
  const { filterables, filters } = props;
  const [draft, setDraft] = useState<Draft>(() => startDraft(filterables[0]));
  const [problem, setProblem] = useState<string | null>(null);
  const filterable = filterables.find((f) => f.field === draft.field) ?? filterables[0];
  if (!filterable) return null;
  // The draft may name a field that has since gone (a field deleted meanwhile): start over.
  const current = filterable.field === draft.field ? draft : startDraft(filterable);
  const ops = OPS_BY_KIND[filterable.kind];
  const update = (change: Partial<Draft>) => {
    setProblem(null);
    setDraft({ ...current, ...change });
  };

  const valueInput = (label: string, which: 'first' | 'second') => {
    const value = current[which];
    const set = (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => update({ [which]: e.target.value });
    switch (filterable.kind) {
      case 'number':
        return <Field label={label}>{(control) => <input {...control} type="number" step="any" value={value} onChange={set} />}</Field>;
      case 'date':
        return <Field label={label}>{(control) => <input {...control} type="date" value={value} onChange={set} />}</Field>;
      case 'boolean':
        return (
          <Field label={label}>
            {(control) => (
              <select {...control} value={value} onChange={set}>
                <option value="true">Yes</option>
                <option value="false">No</option>
              </select>
            )}
          </Field>
        );
      case 'select':
      case 'choice':
      case 'multi_select':
        return (
          <Field label={label}>
            {(control) => (
              <select {...control} value={value} onChange={set}>
                {filterable.options?.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.archived ? `${o.label} (archived)` : o.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        );
      default:
        return (
          <Field label={label} hint={current.op === 'anyOf' ? 'Separate values with commas.' : undefined}>
            {(control) => <input {...control} type="text" maxLength={1000} value={value} onChange={set} />}
          </Field>
        );
    }
  };

  let values: React.ReactNode = null;
  if (current.op === 'set' || current.op === 'notSet') values = null;
  else if (choosesMany(filterable, current.op)) {
    values = (
      <fieldset className="choices filter-choices">
        <legend>Values</legend>
        {filterable.options?.map((o) => (
          <label key={o.id} className="checkbox">
            <input
              type="checkbox"
              checked={current.chosen.includes(o.id)}
              onChange={(e) => update({ chosen: e.target.checked ? [...current.chosen, o.id] : current.chosen.filter((id) => id !== o.id) })}
            />
            {o.archived ? `${o.label} (archived)` : o.label}
          </label>
        ))}
      </fieldset>
    );
  } else if (current.op === 'between') {
    values = (
      <>
        {valueInput('From', 'first')}
        {valueInput('To', 'second')}
      </>
    );
  } else values = valueInput('Value', 'first');

  return (
    <section className="filter-bar" aria-label={`Filter ${props.noun}`}>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          const built = buildFilter(filterable, current);
          if ('problem' in built) return setProblem(built.problem);
          props.onChange([...filters, built.filter]);
          setDraft(startDraft(filterable));
        }}
      >
        <Field label="Filter on">
          {(control) => (
            <select {...control} value={filterable.field} onChange={(e) => update(startDraft(filterables.find((f) => f.field === e.target.value)))}>
              {filterables.map((f) => (
                <option key={f.field} value={f.field}>
                  {f.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Operator">
          {(control) => (
            <select {...control} value={current.op} onChange={(e) => update({ op: e.target.value as FilterOp, chosen: [] })}>
              {ops.map((op) => (
                <option key={op} value={op}>
                  {opLabel(filterable.kind, op)}
                </option>
              ))}
            </select>
          )}
        </Field>
        {values}
        <button type="submit" className="button">
          Add filter
        </button>
      </form>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {filters.length > 0 && (
        <div className="active-filters">
          <ul className="filter-chips" aria-label="Active filters">
            {filters.map((filter, index) => {
              const description = describeFilter(filterables, filter);
              return (
                <li key={`${index}:${description}`} className="filter-chip">
                  <span>{description}</span>
                  <button
                    type="button"
                    className="chip-remove"
                    aria-label={`Remove filter: ${description}`}
                    onClick={() => props.onChange(filters.filter((_, i) => i !== index))}
                  >
                    ×
                  </button>
                </li>
              );
            })}
          </ul>
          <button type="button" className="button small" onClick={() => props.onChange([])}>
            Clear filters
          </button>
        </div>
      )}
    </section>
  );
}
