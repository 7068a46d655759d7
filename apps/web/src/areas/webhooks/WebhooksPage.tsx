import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { type RouterOutputs, trpc } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { SecretOnceDialog } from '../../ui/SecretOnceDialog';
import { formatDateTime } from '../../ui/formatDate';
import { ActionsColumnHeader } from '../../ui/Table';
import { type WorkspaceEntry, WorkspaceAdminPage, WorkspacePicker } from '../records/WorkspacePicker';
import './webhooks.css';

type Subscription = RouterOutputs['webhooks']['list']['subscriptions'][number];
type Catalogue = RouterOutputs['webhooks']['events'];

/**
 * /orgs/:id/webhooks/:slug — a workspace's outgoing webhooks (seed 002 "Integrations"), for its
 * admins: which URL gets which events, signed; the signing secret shown once; a test event; the
 * delivery log; and why a webhook that kept failing was turned off.
 */
export function WebhooksPage({ organisation }: { organisation: Organisation }) {
  return (
    <WorkspaceAdminPage organisation={organisation} area="webhooks" title="Webhooks" what="webhooks">
      {(workspace) => <WorkspaceWebhooks key={workspace.id} organisation={organisation} workspace={workspace} />}
    </WorkspaceAdminPage>
  );
}

type Dialogs = { kind: 'create' } | { kind: 'edit' | 'delete' | 'rotate'; subscription: Subscription } | { kind: 'secret'; secret: string; url: string } | null;

function WorkspaceWebhooks({ organisation, workspace }: { organisation: Organisation; workspace: WorkspaceEntry }) {
  const utils = trpc.useUtils();
  const input = { workspaceId: workspace.id };
  const list = trpc.webhooks.list.useQuery(input);
  const catalogue = trpc.webhooks.events.useQuery(input);
  const [dialog, setDialog] = useState<Dialogs>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [logOf, setLogOf] = useState<string | null>(null);
  const refresh = () => utils.webhooks.list.invalidate(input);
  const toggle = trpc.webhooks.update.useMutation({ onSuccess: (s) => setNotice(s.enabled ? `Turned on ${s.url}.` : `Turned off ${s.url}.`), onSettled: refresh });
  const test = trpc.webhooks.sendTestEvent.useMutation({
    onSuccess: (r) => setNotice(r.message),
    onSettled: () => Promise.all([refresh(), utils.webhooks.deliveries.invalidate()]),
  });
  const remove = trpc.webhooks.delete.useMutation();
  const rotate = trpc.webhooks.rotateSecret.useMutation();
  const subscriptions = list.data?.subscriptions ?? [];
  const turnedOff = subscriptions.filter((s) => !s.enabled && s.disabledReason?.startsWith('Turned off automatically'));
  const labelOf = (type: string) => catalogue.data?.events.find((e) => e.type === type)?.label ?? type;

  return (
    <>
      <div className="page-header">
        <h1>Webhooks</h1>
        <div className="toolbar">
          <WorkspacePicker organisation={organisation} area="webhooks" workspace={workspace} />
          <button type="button" className="button primary" onClick={() => setDialog({ kind: 'create' })}>
            New webhook
          </button>
        </div>
      </div>
      <p className="hint">
        Steward POSTs the events you choose in {workspace.name} to your URL as JSON (for Activepieces, Zapier-like tools or your own code), signed with the webhook’s secret in the{' '}
        <code>{catalogue.data?.signatureHeader ?? 'Steward-Signature'}</code> header (<code>t=&lt;unix time&gt;,v1=&lt;HMAC-SHA256 of “t.body”&gt;</code>). A failed delivery is retried with growing delays.
      </p>
      {turnedOff.map((s) => (
        <p key={s.id} className="banner" role="alert">
          <strong>{s.url}</strong> was turned off on {formatDateTime(s.disabledAt)}. {s.disabledReason} Fix the receiver, send a test event, then turn it back on.
        </p>
      ))}
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <ErrorMessage error={list.error ?? toggle.error ?? test.error} />
      {list.isPending && <p className="loading">Loading…</p>}
      {list.data && subscriptions.length === 0 && <p>No webhooks yet.</p>}
      {subscriptions.length > 0 && (
        <table className="table" aria-label="Webhooks">
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">Status</th>
              <th scope="col">Last delivered</th>
              <ActionsColumnHeader />
            </tr>
          </thead>
          <tbody>
            {subscriptions.map((s) => (
              <tr key={s.id}>
                <td>
                  <code>{s.url}</code>
                  {s.description && <div className="hint">{s.description}</div>}
                  <div className="hint">Secret ends in …{s.secretHint}</div>
                </td>
                <td>{s.events.map(labelOf).join(', ')}</td>
                <td>
                  {s.enabled ? 'On' : 'Off'}
                  {s.enabled && s.consecutiveFailures > 0 && <div className="hint">{s.consecutiveFailures} failed deliveries in a row</div>}
                </td>
                <td>{formatDateTime(s.lastSuccessAt)}</td>
                <td className="actions webhook-actions">
                  <button type="button" className="button" disabled={test.isPending} onClick={() => test.mutate({ ...input, subscriptionId: s.id })}>
                    {test.isPending && test.variables?.subscriptionId === s.id ? 'Sending…' : 'Send test event'}
                  </button>
                  <button type="button" className="button" aria-expanded={logOf === s.id} onClick={() => setLogOf(logOf === s.id ? null : s.id)}>
                    Deliveries
                  </button>
                  <button type="button" className="button" onClick={() => setDialog({ kind: 'edit', subscription: s })}>
                    Edit
                  </button>
                  <button type="button" className="button" onClick={() => toggle.mutate({ ...input, subscriptionId: s.id, enabled: !s.enabled })}>
                    {s.enabled ? 'Turn off' : 'Turn on'}
                  </button>
                  <button type="button" className="button" onClick={() => setDialog({ kind: 'rotate', subscription: s })}>
                    New secret
                  </button>
                  <button type="button" className="button danger" onClick={() => setDialog({ kind: 'delete', subscription: s })}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {logOf && <DeliveryLog workspaceId={workspace.id} subscription={subscriptions.find((s) => s.id === logOf) ?? null} labelOf={labelOf} />}
      {(dialog?.kind === 'create' || dialog?.kind === 'edit') && catalogue.data && (
        <WebhookDialog
          workspaceId={workspace.id}
          catalogue={catalogue.data}
          subscription={dialog.kind === 'edit' ? dialog.subscription : null}
          onClose={() => setDialog(null)}
          onCreated={(secret, url) => {
            setDialog({ kind: 'secret', secret, url });
            void refresh();
          }}
          onSaved={(s) => {
            setDialog(null);
            setNotice(`Saved ${s.url}.`);
            void refresh();
          }}
        />
      )}
      {dialog?.kind === 'secret' && <SecretDialog secret={dialog.secret} url={dialog.url} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'rotate' && (
        <ConfirmDialog
          title="Replace the signing secret?"
          confirmLabel="Replace secret"
          mutation={rotate}
          onCancel={() => setDialog(null)}
          onConfirm={() =>
            rotate.mutate(
              { ...input, subscriptionId: dialog.subscription.id },
              {
                onSuccess: (r) => {
                  setDialog({ kind: 'secret', secret: r.secret, url: r.subscription.url });
                  void refresh();
                },
              },
            )
          }
        >
          <p>Deliveries to {dialog.subscription.url} are signed with the new secret from now on; the receiver must be given it, or it will refuse them.</p>
        </ConfirmDialog>
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title="Delete this webhook?"
          confirmLabel="Delete webhook"
          mutation={remove}
          onCancel={() => setDialog(null)}
          onConfirm={() =>
            remove.mutate(
              { ...input, subscriptionId: dialog.subscription.id },
              {
                onSuccess: () => {
                  setDialog(null);
                  setNotice(`Deleted the webhook to ${dialog.subscription.url}.`);
                  if (logOf === dialog.subscription.id) setLogOf(null);
                  void refresh();
                },
              },
            )
          }
        >
          <p>{dialog.subscription.url} gets no more events, and its delivery log is deleted.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function WebhookDialog(props: {
  workspaceId: string;
  catalogue: Catalogue;
  subscription: Subscription | null;
  onClose: () => void;
  onCreated: (secret: string, url: string) => void;
  onSaved: (subscription: Subscription) => void;
}) {
  const { subscription } = props;
  const [url, setUrl] = useState(subscription?.url ?? '');
  const [description, setDescription] = useState(subscription?.description ?? '');
  const [events, setEvents] = useState<string[]>(subscription?.events ?? []);
  const create = trpc.webhooks.create.useMutation({ onSuccess: (r) => props.onCreated(r.secret, r.subscription.url) });
  const update = trpc.webhooks.update.useMutation({ onSuccess: props.onSaved });
  const save = subscription ? update : create;
  type EventType = Parameters<typeof create.mutate>[0]['events'][number];

  return (
    <Dialog title={subscription ? 'Edit webhook' : 'New webhook'} onClose={props.onClose} wide>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          const values = { url: url.trim(), description: description.trim() || null, events: events as EventType[] };
          if (subscription) update.mutate({ workspaceId: props.workspaceId, subscriptionId: subscription.id, ...values });
          else create.mutate({ workspaceId: props.workspaceId, ...values });
        }}
      >
        <Field label="URL" hint="Where Steward POSTs the events. It must answer with a 2xx status within 10 seconds; redirects are not followed.">
          {(control) => <input {...control} type="url" required maxLength={2000} placeholder="https://hooks.example.com/steward" value={url} onChange={(e) => setUrl(e.target.value)} />}
        </Field>
        <Field label="Description (optional)">{(control) => <input {...control} maxLength={200} value={description} onChange={(e) => setDescription(e.target.value)} />}</Field>
        <fieldset className="field">
          <legend>Events</legend>
          {props.catalogue.events.map((e) => (
            <label key={e.type} className="checkbox">
              <input type="checkbox" checked={events.includes(e.type)} onChange={(x) => setEvents(x.target.checked ? [...events, e.type] : events.filter((t) => t !== e.type))} />
              <span>
                {e.label} <code>{e.type}</code>
                <small className="hint"> — {e.description}</small>
              </span>
            </label>
          ))}
        </fieldset>
        <DialogActions mutation={save} submitLabel={subscription ? 'Save webhook' : 'Create webhook'} pendingLabel="Saving…" onCancel={props.onClose} disabled={events.length === 0} />
      </form>
    </Dialog>
  );
}

/** The signing secret, this once: Steward keeps it only encrypted and never shows it again. */
function SecretDialog(props: { secret: string; url: string; onClose: () => void }) {
  return (
    <SecretOnceDialog
      title="Signing secret"
      notice="This is the only time the secret is shown. Steward keeps it encrypted and cannot show it again; make a new one if it is lost."
      secret={props.secret}
      secretLabel="Signing secret"
      onClose={props.onClose}
    >
      <p>
        Give this secret to the receiver at {props.url}, which uses it to check the <code>Steward-Signature</code> header of each delivery.
      </p>
    </SecretOnceDialog>
  );
}

const STATE_LABELS: Record<string, string> = { pending: 'Retrying', delivered: 'Delivered', failed: 'Failed', cancelled: 'Not sent' };

function DeliveryLog(props: { workspaceId: string; subscription: Subscription | null; labelOf: (type: string) => string }) {
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [open, setOpen] = useState<string | null>(null);
  const subscriptionId = props.subscription?.id ?? '';
  const log = trpc.webhooks.deliveries.useQuery({ workspaceId: props.workspaceId, subscriptionId, cursor }, { enabled: Boolean(props.subscription), refetchInterval: 5_000 });
  const utils = trpc.useUtils();
  const resend = trpc.webhooks.redeliver.useMutation({ onSettled: () => utils.webhooks.deliveries.invalidate() });
  if (!props.subscription) return null;
  return (
    <section aria-label="Delivery log">
      <h2>Deliveries to {props.subscription.url}</h2>
      <ErrorMessage error={log.error ?? resend.error} />
      {log.data && log.data.deliveries.length === 0 && <p>Nothing delivered yet.</p>}
      {log.data && log.data.deliveries.length > 0 && (
        <table className="table" aria-label="Deliveries">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Result</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <ActionsColumnHeader />
            </tr>
          </thead>
          <tbody>
            {log.data.deliveries.map((d) => (
              <DeliveryRow
                key={d.id}
                delivery={d}
                label={d.isTest ? 'Test event' : props.labelOf(d.eventType)}
                open={open === d.id}
                onToggle={() => setOpen(open === d.id ? null : d.id)}
                onResend={!d.isTest && (d.state === 'failed' || d.state === 'cancelled') && props.subscription?.enabled ? () => resend.mutate({ workspaceId: props.workspaceId, subscriptionId, deliveryId: d.id }) : undefined}
              />
            ))}
          </tbody>
        </table>
      )}
      {log.data?.nextCursor && (
        <button type="button" className="button" onClick={() => setCursor(log.data.nextCursor ?? undefined)}>
          Older deliveries
        </button>
      )}
    </section>
  );
}

type Delivery = RouterOutputs['webhooks']['deliveries']['deliveries'][number];

function DeliveryRow(props: { delivery: Delivery; label: string; open: boolean; onToggle: () => void; onResend?: () => void }) {
  const d = props.delivery;
  return (
    <>
      <tr>
        <td>{formatDateTime(d.createdAt)}</td>
        <td>{props.label}</td>
        <td>
          {STATE_LABELS[d.state] ?? d.state}
          {d.state === 'pending' && d.nextAttemptAt && <div className="hint">next attempt {formatDateTime(d.nextAttemptAt)}</div>}
        </td>
        <td>{d.attempts}</td>
        <td>{d.lastStatus !== null ? `HTTP ${d.lastStatus}` : (d.lastError ?? '—')}</td>
        <td className="actions">
          {props.onResend && (
            <button type="button" className="button" onClick={props.onResend}>
              Resend
            </button>
          )}
          <button type="button" className="button" aria-expanded={props.open} onClick={props.onToggle}>
            Attempts
          </button>
        </td>
      </tr>
      {props.open && (
        <tr>
          <td colSpan={6}>
            <ol aria-label="Attempts">
              {d.attemptLog.map((a) => (
                <li key={a.attempt}>
                  {formatDateTime(a.startedAt)}: {a.responseStatus !== null ? `HTTP ${a.responseStatus}` : 'no answer'} in {a.durationMs} ms{a.error ? ` — ${a.error}` : ''}
                  {a.responseExcerpt && <pre className="hint">{a.responseExcerpt}</pre>}
                </li>
              ))}
            </ol>
          </td>
        </tr>
      )}
    </>
  );
}
