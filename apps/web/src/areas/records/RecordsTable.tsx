import { type ColumnDef, FlexRender, type RowData, tableFeatures, useTable } from '@tanstack/react-table';
import type { FieldDefinition } from '../fields/fieldLabels';
import { FieldValue, type RecordValues } from './fieldValues';

/** The records tables use no client-side features: the server filters, orders and pages. */
const features = tableFeatures({});

export type RecordColumn<Row extends RowData> = ColumnDef<typeof features, Row>;

/** One column per custom field, in the fields' order, headed by the field's label. */
export function customFieldColumns<Row extends { values: RecordValues }>(fields: FieldDefinition[]): RecordColumn<Row>[] {
  return fields.map((field) => ({
    id: `field:${field.key}`,
    header: field.label,
    cell: ({ row }) => <FieldValue field={field} value={row.original.values[field.key]} />,
  }));
}

/** The column of each row's buttons: named for screen readers, blank on screen. */
export function actionsColumn<Row extends RowData>(render: (row: Row) => React.ReactNode): RecordColumn<Row> {
  return {
    id: 'actions',
    header: () => <span className="visually-hidden">Actions</span>,
    cell: ({ row }) => render(row.original),
  };
}

/** Edit and Delete (or Remove) buttons for one record, labelled with its name for screen readers. */
export function EditDeleteButtons(props: { name: string; onEdit: () => void; onDelete: () => void; deleteLabel?: string }) {
  const deleteLabel = props.deleteLabel ?? 'Delete';
  return (
    <>
      <button type="button" className="button small" aria-label={`Edit ${props.name}`} onClick={props.onEdit}>
        Edit
      </button>
      <button type="button" className="button small danger" aria-label={`${deleteLabel} ${props.name}`} onClick={props.onDelete}>
        {deleteLabel}
      </button>
    </>
  );
}

export function RecordsTable<Row extends RowData & { id: string }>(props: { label: string; columns: RecordColumn<Row>[]; rows: Row[] }) {
  const table = useTable({ features, columns: props.columns, data: props.rows, getRowId: (row) => row.id });
  return (
    <div className="table-scroll">
      <table className="table records-table" aria-label={props.label}>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th key={header.id} scope="col">
                  {header.isPlaceholder ? null : <FlexRender header={header} />}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id}>
              {row.getAllCells().map((cell) => (
                <td key={cell.id} className={cell.column.id === 'actions' ? 'actions' : undefined}>
                  <FlexRender cell={cell} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
