import { trpc } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { countOf, ENTITY_LABELS, type FieldDefinition } from './fieldLabels';

/** Says how many records hold a value, then deletes the field once confirmed (values go in the background). */
export function DeleteFieldDialog(props: { field: FieldDefinition; onClose: () => void; onDeleted: () => void }) {
  const { field } = props;
  const preview = trpc.fields.deletePreview.useQuery({ fieldId: field.id }, { gcTime: 0 });
  const remove = trpc.fields.delete.useMutation({ onSuccess: props.onDeleted });
  const noun = ENTITY_LABELS[field.entity];
  const holding = preview.data?.recordsWithValue;

  return (
    <Dialog title={`Delete ${field.label}`} onClose={props.onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          remove.mutate({ fieldId: field.id });
        }}
      >
        {preview.isPending && <p className="loading">Counting the values…</p>}
        <ErrorMessage error={preview.error} />
        {holding !== undefined && (
          <ul className="consequences">
            <li>
              {holding === 0
                ? `No ${noun.one} holds a value of this field.`
                : `${countOf(holding, noun.one, noun.many)} ${holding === 1 ? 'holds a value' : 'hold values'} of this field; ${holding === 1 ? 'it is' : 'they are'} removed in the background.`}
            </li>
            <li>
              The field leaves every form, list and filter at once. Its key <code>{field.key}</code> is never used again.
            </li>
          </ul>
        )}
        <DialogActions mutation={remove} submitLabel="Delete field" pendingLabel="Deleting…" onCancel={props.onClose} disabled={holding === undefined} danger />
      </form>
    </Dialog>
  );
}
