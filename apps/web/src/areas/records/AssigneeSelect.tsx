import { Field } from '../../ui/Field';

/**
 * Who a record is assigned to (or owned by). The console has no list of a workspace's members
 * that members may read, so the choices are: nobody, the signed-in person, or the current
 * assignee when that is someone else.
 */
export function AssigneeSelect(props: { label: string; userId: string; current: string | null; value: string | null; onChange: (userId: string | null) => void }) {
  const { userId, current } = props;
  return (
    <Field label={props.label}>
      {(control) => (
        <select {...control} value={props.value ?? ''} onChange={(e) => props.onChange(e.target.value === '' ? null : e.target.value)}>
          <option value="">Nobody</option>
          <option value={userId}>Me</option>
          {current && current !== userId && <option value={current}>Another member (unchanged)</option>}
        </select>
      )}
    </Field>
  );
}

/** An assignee or owner in a table cell. */
export function assigneeText(assigneeUserId: string | null, userId: string | undefined): React.ReactNode {
  if (!assigneeUserId) return <span className="muted">—</span>;
  return assigneeUserId === userId ? 'You' : 'Another member';
}
