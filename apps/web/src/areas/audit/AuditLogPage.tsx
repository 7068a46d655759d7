import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { trpc, type RouterOutputs } from '../../trpc';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { formatDateTime } from '../../ui/formatDate';
import { Pager } from '../../ui/Pager';

type AuditEntry = RouterOutputs['audit']['list']['entries'][number];

const PAGE_SIZE = 50;

/** A `YYYY-MM-DD` date input as the start of that local day, `days` later, in ISO form. */
function startOfLocalDay(date: string, days = 0): string {
  const start = new Date(`${date}T00:00:00`);
  start.setDate(start.getDate() + days);
  return start.toISOString();
}

/** The audit log: who changed what, when; filtered and paged. Read-only — entries cannot be changed or deleted. */
export function AuditLogPage({ organisation }: { organisation: Organisation }) {
  const organisationId = organisation.id;
  const [actorUserId, setActorUserId] = useState('');
  const [action, setAction] = useState('');
  const [workspaceId, setWorkspaceId] = useState('');
  const [fromDate, setFromDate] = useState('');
  const [toDate, setToDate] = useState('');
  const [page, setPage] = useState(1);

  const log = trpc.audit.list.useQuery(
    {
      organisationId,
      actorUserId: actorUserId || undefined,
      action: action || undefined,
      workspaceId: workspaceId || undefined,
      from: fromDate ? startOfLocalDay(fromDate) : undefined,
      // The server's `to` is exclusive, so "to the 3rd" means before the start of the 4th.
      to: toDate ? startOfLocalDay(toDate, 1) : undefined,
      page,
      pageSize: PAGE_SIZE,
    },
    { placeholderData: (previous) => previous },
  );
  const workspaces = trpc.workspaces.list.useQuery({ organisationId });
  const workspaceName = new Map(workspaces.data?.map((w) => [w.id, w.name]));
  // One choice per person, even if they acted under more than one email address.
  const actors = new Map<string, string[]>();
  for (const actor of log.data?.actors ?? []) actors.set(actor.userId, [...(actors.get(actor.userId) ?? []), actor.email]);

  /** Every filter change starts again at the first page. */
  function filter(set: (value: string) => void) {
    return (event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
      set(event.target.value);
      setPage(1);
    };
  }

  const data = log.data;
  const filtered = Boolean(actorUserId || action || workspaceId || fromDate || toDate);

  return (
    <>
      <div className="page-header">
        <h1>Audit log</h1>
      </div>
      <p className="hint">Every change in {organisation.name}, newest first. Entries are kept as they were written and cannot be edited or deleted.</p>

      <form className="filters" aria-label="Filter the audit log" onSubmit={(event) => event.preventDefault()}>
        <Field label="Who">
          {(control) => (
            <select {...control} value={actorUserId} onChange={filter(setActorUserId)}>
              <option value="">Anyone</option>
              {/* Everyone who ever acted here, people since removed included. */}
              {[...actors].map(([userId, emails]) => (
                <option key={userId} value={userId}>
                  {emails.join(', ')}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Action">
          {(control) => (
            <select {...control} value={action} onChange={filter(setAction)}>
              <option value="">Any action</option>
              {data?.actions.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Workspace">
          {(control) => (
            <select {...control} value={workspaceId} onChange={filter(setWorkspaceId)}>
              <option value="">Any workspace</option>
              {workspaces.data?.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="From">
          {(control) => <input {...control} type="date" value={fromDate} max={toDate || undefined} onChange={filter(setFromDate)} />}
        </Field>
        <Field label="To">
          {(control) => <input {...control} type="date" value={toDate} min={fromDate || undefined} onChange={filter(setToDate)} />}
        </Field>
        {filtered && (
          <button
            type="button"
            className="button small"
            onClick={() => {
              setActorUserId('');
              setAction('');
              setWorkspaceId('');
              setFromDate('');
              setToDate('');
              setPage(1);
            }}
          >
            Clear filters
          </button>
        )}
      </form>
      <ErrorMessage error={log.error ?? workspaces.error} />

      <section aria-label="Audit entries">
        {log.isPending ? (
          <p className="loading">Loading…</p>
        ) : data && data.entries.length === 0 ? (
          <p className="muted">{filtered ? 'No entries match these filters.' : 'Nothing has been recorded yet.'}</p>
        ) : (
          <table className="table audit">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Workspace</th>
                <th scope="col">Changes</th>
              </tr>
            </thead>
            <tbody>
              {data?.entries.map((entry) => (
                <tr key={entry.id}>
                  <td className="nowrap">{formatDateTime(entry.occurredAt)}</td>
                  <td>
                    {entry.actorEmail ?? <span className="muted">System</span>}
                    {entry.actorApiKeyId && <span className="status api-key">via API key</span>}
                  </td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td>
                    {entry.targetType}
                    {entry.targetId && <small className="muted target-id"> {entry.targetId}</small>}
                  </td>
                  <td>
                    {entry.workspaceId ? (workspaceName.get(entry.workspaceId) ?? <span className="muted">Deleted workspace</span>) : <span className="muted">—</span>}
                  </td>
                  <td>
                    <Changes entry={entry} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager label="Audit log pages" page={page} result={data} onPageChange={setPage} />
      </section>
    </>
  );
}

/** The entry's before/after values, folded away until asked for. */
function Changes({ entry }: { entry: AuditEntry }) {
  const hasBefore = entry.before !== null && entry.before !== undefined;
  const hasAfter = entry.after !== null && entry.after !== undefined;
  return (
    <details className="changes">
      <summary>Changes</summary>
      {hasBefore && (
        <>
          <h4>Before</h4>
          <pre>{JSON.stringify(entry.before, null, 2)}</pre>
        </>
      )}
      {hasAfter && (
        <>
          <h4>After</h4>
          <pre>{JSON.stringify(entry.after, null, 2)}</pre>
        </>
      )}
      {!hasBefore && !hasAfter && <p className="muted">No values recorded.</p>}
      <p className="hint">
        Request {entry.requestId ?? '—'}
        {entry.ip ? ` from ${entry.ip}` : ''}
      </p>
    </details>
  );
}
