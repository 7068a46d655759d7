import { useState } from 'react';
import { type RouterInputs, type RouterOutputs, trpc } from '../../../trpc';
import { Dialog } from '../../../ui/Dialog';
import { ErrorMessage } from '../../../ui/ErrorMessage';
import { Field } from '../../../ui/Field';
import type { WorkspaceEntry } from '../WorkspacePicker';

type ImportStatus = RouterOutputs['contacts']['imports']['get'];
type Inspection = RouterOutputs['contacts']['imports']['inspect'];
type PreviewRow = RouterOutputs['contacts']['imports']['preview']['rows'][number];
type ColumnTarget = RouterInputs['contacts']['imports']['start']['mapping'][number];

const STATE_LABELS: Record<ImportStatus['state'], string> = {
  uploading: 'Uploading',
  uploaded: 'Not started',
  queued: 'Waiting to start',
  running: 'Importing',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
const ended = (state: ImportStatus['state']) => state === 'completed' || state === 'failed' || state === 'cancelled';

/** A target as a <select> value: `builtIn:email`, `field:<key>`, `consent:global`, `consent:category:<id>`, or '' to ignore the column. */
function targetValue(target: ColumnTarget): string {
  if (!target) return '';
  if ('builtIn' in target) return `builtIn:${target.builtIn}`;
  if ('field' in target) return `field:${target.field}`;
  return target.consent === 'category' ? `consent:category:${target.categoryId}` : `consent:${target.consent}`;
}
function targetOf(value: string): ColumnTarget {
  if (!value) return null;
  const [kind, name] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
  if (kind === 'consent') return name.startsWith('category:') ? { consent: 'category', categoryId: name.slice('category:'.length) } : { consent: name as 'global' | 'workspace' };
  return kind === 'builtIn' ? ({ builtIn: name } as ColumnTarget) : { field: name };
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`;

/**
 * Imports contacts from a CSV file into one workspace, in five steps: upload the file (streamed
 * to the server, which checks it), map each column to a contact attribute or custom field,
 * preview the first rows with the problems the server finds, run it in the background with a
 * progress bar, and read the summary (with the rejected rows to download).
 */
export function ImportDialog(props: { workspace: WorkspaceEntry; onClose: () => void; onImported: () => void }) {
  const [importId, setImportId] = useState<string | null>(null);
  const [step, setStep] = useState<'upload' | 'map' | 'preview' | 'run'>('upload');
  const [mapping, setMapping] = useState<ColumnTarget[] | null>(null);

  const open = (id: string, next: 'map' | 'run') => {
    setImportId(id);
    setMapping(null);
    setStep(next);
  };

  return (
    <Dialog title={`Import contacts into ${props.workspace.name}`} onClose={props.onClose} wide>
      {step === 'upload' && <UploadStep workspace={props.workspace} onUploaded={(id) => open(id, 'map')} onOpen={(id) => open(id, 'run')} onCancel={props.onClose} />}
      {step !== 'upload' && importId && (
        <Steps
          workspace={props.workspace}
          importId={importId}
          step={step}
          mapping={mapping}
          onMapping={setMapping}
          onStep={setStep}
          onClose={props.onClose}
          onImported={props.onImported}
        />
      )}
    </Dialog>
  );
}

/** Sends the file as the request body (not a form), with the upload's progress. */
function uploadFile(workspaceId: string, file: File, onProgress: (fraction: number) => void): Promise<{ importId: string }> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `/files/contact-imports?${new URLSearchParams({ workspaceId, fileName: file.name })}`);
    request.setRequestHeader('Content-Type', 'text/csv');
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onload = () => {
      try {
        const body = JSON.parse(request.responseText) as { import?: { id: string }; error?: { message: string } };
        if (request.status === 201 && body.import) resolve({ importId: body.import.id });
        else reject(new Error(body.error?.message ?? `The upload failed (${request.status}).`));
      } catch {
        reject(new Error(`The upload failed (${request.status}).`));
      }
    };
    request.onerror = () => reject(new Error('The upload was interrupted. Check the connection and try again.'));
    request.send(file);
  });
}

function UploadStep(props: { workspace: WorkspaceEntry; onUploaded: (importId: string) => void; onOpen: (importId: string) => void; onCancel: () => void }) {
  const maxBytes = trpc.me.useQuery().data?.limits.maxImportBytes;
  const recent = trpc.contacts.imports.list.useQuery({ workspaceId: props.workspace.id });
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const tooLarge = file && maxBytes !== undefined && file.size > maxBytes;

  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (!file || tooLarge) return;
        setError(null);
        setProgress(0);
        uploadFile(props.workspace.id, file, setProgress).then(
          ({ importId }) => props.onUploaded(importId),
          (failure: Error) => {
            setProgress(null);
            setError(failure.message);
          },
        );
      }}
    >
      <Field
        label="CSV file"
        hint={`UTF-8 text (in Excel: Save as → "CSV UTF-8"), comma, semicolon or tab separated, with a header row naming the columns${maxBytes ? `; at most ${megabytes(maxBytes)}` : ''}.`}
      >
        {(control) => (
          <input
            {...control}
            type="file"
            accept=".csv,.tsv,.txt,text/csv"
            required
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setError(null);
            }}
          />
        )}
      </Field>
      {tooLarge && <p className="error" role="alert">{`The file is ${megabytes(file.size)}; an import takes at most ${megabytes(maxBytes!)}. Split it into several files.`}</p>}
      {progress !== null && (
        <p className="import-progress">
          <progress value={progress} max={1} aria-label="Upload progress" /> {progress < 1 ? `Uploading… ${Math.round(progress * 100)}%` : 'Checking the file…'}
        </p>
      )}
      <ErrorMessage error={error ? { message: error } : null} />
      {recent.data && recent.data.items.length > 0 && (
        <details className="import-recent">
          <summary>Recent imports in this workspace</summary>
          <ul className="plain-list">
            {recent.data.items.slice(0, 5).map((item) => (
              <li key={item.id}>
                <button type="button" className="button small" onClick={() => (item.state === 'uploaded' ? props.onUploaded(item.id) : props.onOpen(item.id))}>
                  {item.fileName}
                </button>{' '}
                <span className={`status import-${item.state}`}>{STATE_LABELS[item.state]}</span> <span className="muted">{new Date(item.createdAt).toLocaleString()}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={!file || Boolean(tooLarge) || progress !== null}>
          {progress !== null ? 'Uploading…' : 'Upload'}
        </button>
      </div>
    </form>
  );
}

function Steps(props: {
  workspace: WorkspaceEntry;
  importId: string;
  step: 'map' | 'preview' | 'run';
  mapping: ColumnTarget[] | null;
  onMapping: (mapping: ColumnTarget[]) => void;
  onStep: (step: 'map' | 'preview' | 'run') => void;
  onClose: () => void;
  onImported: () => void;
}) {
  const input = { workspaceId: props.workspace.id, importId: props.importId };
  const inspection = trpc.contacts.imports.inspect.useQuery(input, { enabled: props.step !== 'run', staleTime: Infinity });
  if (props.step === 'run') return <RunStep workspace={props.workspace} importId={props.importId} onClose={props.onClose} onImported={props.onImported} />;
  if (inspection.error) return <ClosingError error={inspection.error} onClose={props.onClose} />;
  if (!inspection.data) return <p className="loading">Reading the file…</p>;
  const mapping = props.mapping ?? inspection.data.suggestedMapping;
  if (props.step === 'map') return <MapStep inspection={inspection.data} mapping={mapping} onChange={props.onMapping} onNext={() => props.onStep('preview')} onCancel={props.onClose} />;
  return <PreviewStep workspace={props.workspace} inspection={inspection.data} mapping={mapping} onBack={() => props.onStep('map')} onStarted={() => props.onStep('run')} onCancel={props.onClose} />;
}

function ClosingError(props: { error: { message: string }; onClose: () => void }) {
  return (
    <>
      <ErrorMessage error={props.error} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </>
  );
}

function MapStep(props: { inspection: Inspection; mapping: ColumnTarget[]; onChange: (mapping: ColumnTarget[]) => void; onNext: () => void; onCancel: () => void }) {
  const { inspection, mapping } = props;
  const builtIns = inspection.targets.filter((t) => 'builtIn' in t.target);
  const custom = inspection.targets.filter((t) => 'field' in t.target);
  const consent = inspection.targets.filter((t) => 'consent' in t.target);
  const chosen = mapping.map(targetValue).filter(Boolean);
  const emailMapped = chosen.includes('builtIn:email');
  const required = custom.filter((t) => t.required && !chosen.includes(targetValue(t.target as ColumnTarget)));
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        props.onNext();
      }}
    >
      <p>
        {inspection.import.fileName}: {inspection.import.totalRows.toLocaleString()} rows, {inspection.headers.length} columns. Choose where each column goes; columns left on “Ignore” are not imported.
      </p>
      <div className="table-scroll">
        <table className="table import-mapping">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">First values</th>
              <th scope="col">Import as</th>
            </tr>
          </thead>
          <tbody>
            {inspection.headers.map((header, index) => {
              const value = targetValue(mapping[index] ?? null);
              const takenElsewhere = (option: string) => option !== value && chosen.includes(option);
              return (
                <tr key={index}>
                  <th scope="row">{header || <span className="muted">Column {index + 1}</span>}</th>
                  <td className="import-samples">
                    {inspection.rows
                      .slice(0, 3)
                      .map((row) => row[index] ?? '')
                      .filter(Boolean)
                      .join(' · ') || <span className="muted">(empty)</span>}
                  </td>
                  <td>
                    <select
                      aria-label={`Import column ${header || index + 1} as`}
                      value={value}
                      onChange={(e) => props.onChange(mapping.map((target, i) => (i === index ? targetOf(e.target.value) : (target ?? null))))}
                    >
                      <option value="">Ignore</option>
                      <TargetGroup label="Contact" targets={builtIns} takenElsewhere={takenElsewhere} />
                      <TargetGroup label="Custom fields" targets={custom} takenElsewhere={takenElsewhere} />
                      <TargetGroup label="Email consent" targets={consent} takenElsewhere={takenElsewhere} />
                    </select>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {!emailMapped && <p className="hint">No column is mapped to Email: every row will add a new person, even one already known.</p>}
      {required.length > 0 && <p className="hint">{`Required here, and not mapped: ${required.map((t) => t.label).join(', ')}. Rows without them will be refused.`}</p>}
      <p className="hint">Rows are matched by email: a person already in this workspace is updated (empty cells keep their values), one known elsewhere in the organisation is added here.</p>
      <details className="hint import-consent-help">
        <summary>Email consent columns</summary>
        <p>Name a column so, and it is mapped for you (or choose it under “Email consent”):</p>
        <ul>
          <li>
            <strong>Unsubscribed from everything</strong> (or Global unsubscribe): <code>yes</code> unsubscribes the person from all email of the organisation; <code>no</code> or
            empty changes nothing.
          </li>
          <li>
            <strong>Workspace subscription</strong>: <code>subscribed</code>, <code>unsubscribed</code> or <code>neutral</code> for this workspace.
          </li>
          <li>
            <strong>Category: </strong>
            <em>name</em>, one column per category (e.g. “Category: Newsletter”): <code>subscribed</code> or <code>unsubscribed</code> (yes / no too).
          </li>
        </ul>
        <p>
          Each change is recorded in the person’s consent history as coming from this import. An import never re-subscribes someone who unsubscribed, and never
          lifts an unsubscribe from everything: change those on the person’s record.
        </p>
      </details>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={chosen.length === 0}>
          Preview
        </button>
      </div>
    </form>
  );
}

/** One group of the "Import as" choices; a target another column has taken is shown but disabled. */
function TargetGroup(props: { label: string; targets: Inspection['targets']; takenElsewhere: (option: string) => boolean }) {
  if (props.targets.length === 0) return null;
  return (
    <optgroup label={props.label}>
      {props.targets.map((t) => {
        const option = targetValue(t.target as ColumnTarget);
        return (
          <option key={option} value={option} disabled={props.takenElsewhere(option)}>
            {t.required ? `${t.label} (required)` : t.label}
          </option>
        );
      })}
    </optgroup>
  );
}

const OUTCOME_LABELS: Record<PreviewRow['status'], string> = { created: 'New', updated: 'Update', linked: 'Add from organisation', error: 'Refused' };

function PreviewStep(props: { workspace: WorkspaceEntry; inspection: Inspection; mapping: ColumnTarget[]; onBack: () => void; onStarted: () => void; onCancel: () => void }) {
  const { inspection, mapping } = props;
  const input = { workspaceId: props.workspace.id, importId: inspection.import.id, mapping };
  const preview = trpc.contacts.imports.preview.useQuery(input, { staleTime: Infinity });
  const start = trpc.contacts.imports.start.useMutation({ onSuccess: props.onStarted });
  const mapped = mapping.flatMap((target, index) => (target ? [index] : []));
  const refused = preview.data?.rows.filter((r) => r.status === 'error').length ?? 0;
  return (
    <div className="form">
      <p>
        The first {preview.data?.rows.length ?? ''} rows, checked as the import will check them. Nothing is written yet.
        {refused > 0 && ` ${refused} of them would be refused; fix the file or the mapping, or import anyway and download the refused rows afterwards.`}
      </p>
      <ErrorMessage error={preview.error} />
      {preview.isPending && <p className="loading">Checking…</p>}
      {preview.data && (
        <div className="table-scroll">
          <table className="table import-preview">
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Outcome</th>
                {mapped.map((index) => (
                  <th scope="col" key={index}>
                    {inspection.headers[index]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {preview.data.rows.map((row) => {
                const columnErrors = new Set(row.errors.map((e) => e.column));
                return (
                  <tr key={row.rowNumber} className={row.status === 'error' ? 'refused' : undefined}>
                    <td className="number">{row.rowNumber}</td>
                    <td>
                      <span className={`status outcome-${row.status}`}>{OUTCOME_LABELS[row.status]}</span>
                      {row.errors.length > 0 && (
                        <ul className="import-errors">
                          {row.errors.map((e, i) => (
                            <li key={i}>{e.message}</li>
                          ))}
                        </ul>
                      )}
                    </td>
                    {mapped.map((index) => (
                      <td key={index} className={columnErrors.has(index) ? 'cell-error' : undefined}>
                        {row.cells[index]}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <ErrorMessage error={start.error} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" className="button" onClick={props.onBack}>
          Back to the columns
        </button>
        <button type="button" className="button primary" disabled={!preview.data || start.isPending} onClick={() => start.mutate(input)}>
          {start.isPending ? 'Starting…' : `Import ${inspection.import.totalRows.toLocaleString()} rows`}
        </button>
      </div>
    </div>
  );
}

function RunStep(props: { workspace: WorkspaceEntry; importId: string; onClose: () => void; onImported: () => void }) {
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const status = trpc.contacts.imports.get.useQuery(
    { workspaceId: props.workspace.id, importId: props.importId },
    // Followed every second until it ends; the list of contacts is refreshed once it has.
    { refetchInterval: (query) => (query.state.data && ended(query.state.data.state) ? false : 1000) },
  );
  const cancel = trpc.contacts.imports.cancel.useMutation({ onSuccess: () => void status.refetch() });
  const data = status.data;
  if (status.error) return <ClosingError error={status.error} onClose={props.onClose} />;
  if (!data) return <p className="loading">Loading…</p>;
  const done = ended(data.state);
  const close = () => {
    if (data.processedRows > 0) props.onImported();
    props.onClose();
  };
  return (
    <div className="form">
      <p>
        <strong>{data.fileName}</strong> <span className={`status import-${data.state}`}>{STATE_LABELS[data.state]}</span>
      </p>
      <p className="import-progress">
        <progress value={data.processedRows} max={Math.max(1, data.totalRows)} aria-label="Import progress" /> {data.processedRows.toLocaleString()} of {data.totalRows.toLocaleString()} rows
      </p>
      <dl className="facts import-counts">
        <dt>New contacts</dt>
        <dd>{data.created.toLocaleString()}</dd>
        <dt>Updated</dt>
        <dd>{data.updated.toLocaleString()}</dd>
        <dt>Added from elsewhere in the organisation</dt>
        <dd>{data.linked.toLocaleString()}</dd>
        <dt>Refused</dt>
        <dd>{data.rejected.toLocaleString()}</dd>
      </dl>
      {data.state === 'failed' && (
        <p className="error" role="alert">
          {data.failureReason}
        </p>
      )}
      {data.state === 'cancelled' && <p className="hint">The import was cancelled; the contacts imported before that are kept.</p>}
      {data.state === 'completed' && <p className="success">The import is complete.</p>}
      {!done && <p className="hint">The import runs on the server: you can close this window and come back to it from “Import CSV”.</p>}
      {data.rejectedRowsUrl && (
        <p>
          <a className="button" href={data.rejectedRowsUrl} download>
            Download the {data.rejected.toLocaleString()} refused rows (CSV, with the reason for each)
          </a>
        </p>
      )}
      {confirmingCancel && !done && (
        <div className="banner" role="alert">
          <p>Stop the import? Contacts already imported stay; the rest of the file is not imported.</p>
          <ErrorMessage error={cancel.error} />
          <button type="button" className="button" onClick={() => setConfirmingCancel(false)}>
            Keep importing
          </button>{' '}
          <button type="button" className="button danger-solid" disabled={cancel.isPending} onClick={() => cancel.mutate({ workspaceId: props.workspace.id, importId: props.importId })}>
            {cancel.isPending ? 'Stopping…' : 'Stop the import'}
          </button>
        </div>
      )}
      <div className="dialog-actions">
        {!done && !confirmingCancel && (
          <button type="button" className="button danger" onClick={() => setConfirmingCancel(true)}>
            Stop the import
          </button>
        )}
        <button type="button" className="button primary" onClick={close}>
          {done ? 'Done' : 'Close'}
        </button>
      </div>
    </div>
  );
}

/** The "Import CSV" button of the Contacts page (shown to those who may add contacts), with its dialog. */
export function ImportCsvButton(props: { workspace: WorkspaceEntry }) {
  const [open, setOpen] = useState(false);
  const utils = trpc.useUtils();
  return (
    <>
      <button type="button" className="button" onClick={() => setOpen(true)}>
        Import CSV
      </button>
      {open && <ImportDialog workspace={props.workspace} onClose={() => setOpen(false)} onImported={() => void utils.contacts.search.invalidate()} />}
    </>
  );
}
