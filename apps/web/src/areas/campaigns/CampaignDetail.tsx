import { useEffect, useState } from 'react';
import { Link, navigate } from '../../routes';
import { trpc } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { formatDateTime } from '../../ui/formatDate';
import type { WorkspaceEntry } from '../records/WorkspacePicker';
import { CampaignFormDialog } from './CampaignFormDialog';
import { CAMPAIGN_STATE_LABELS, type CampaignProgress, inTimeZone } from './campaignLabels';

type Confirming = 'send' | 'schedule' | 'cancel' | 'delete' | 'retry' | null;

/** One campaign: what it says, who it goes to, and — once sending — how far it has got. */
export function CampaignDetail({ workspace, campaignId, backTo }: { workspace: WorkspaceEntry; campaignId: string; backTo: string }) {
  const utils = trpc.useUtils();
  const input = { workspaceId: workspace.id, campaignId };
  const campaign = trpc.campaigns.get.useQuery(input);
  const state = campaign.data?.state;
  const live = state === 'sending';
  // While it sends, the counts are read every second.
  const progress = trpc.campaigns.progress.useQuery(input, { enabled: Boolean(state && state !== 'draft'), refetchInterval: live ? 1000 : false });
  const audience = trpc.campaigns.audience.useQuery(
    { workspaceId: workspace.id, categoryId: campaign.data?.categoryId ?? '', filters: (campaign.data?.filters ?? []) as { field: string; op: 'eq' }[] },
    { enabled: state === 'draft' || state === 'scheduled' },
  );
  // The counts see the send end (or fail) first: then the campaign itself is read again.
  const progressState = progress.data?.state;
  useEffect(() => {
    if (progressState && state && progressState !== state) void utils.campaigns.get.invalidate({ workspaceId: workspace.id, campaignId });
  }, [progressState, state, utils, workspace.id, campaignId]);
  const failed = trpc.campaigns.recipients.useQuery({ ...input, state: 'failed', limit: 100 }, { enabled: (progress.data?.failed ?? 0) > 0 });
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState<Confirming>(null);
  const [at, setAt] = useState('');

  const refresh = () => Promise.all([utils.campaigns.get.invalidate(input), utils.campaigns.progress.invalidate(input), utils.campaigns.list.invalidate(), utils.campaigns.recipients.invalidate()]);
  const done = { onSuccess: () => setConfirming(null), onSettled: refresh };
  const send = trpc.campaigns.send.useMutation(done);
  const pause = trpc.campaigns.pause.useMutation({ onSettled: refresh });
  const resume = trpc.campaigns.resume.useMutation({ onSettled: refresh });
  const cancel = trpc.campaigns.cancel.useMutation(done);
  const retry = trpc.campaigns.retryFailed.useMutation(done);
  const remove = trpc.campaigns.delete.useMutation({ onSuccess: () => navigate(backTo) });

  if (campaign.error) return <ErrorMessage error={campaign.error} />;
  if (!campaign.data) return <p className="loading">Loading…</p>;
  const c = campaign.data;
  const count = audience.data?.count;
  const who = count === undefined ? 'everyone in its audience' : `${count.toLocaleString()} ${count === 1 ? 'contact' : 'contacts'}`;

  return (
    <>
      <div className="page-header">
        <h1>{c.name}</h1>
        <div className="toolbar">
          <Link to={backTo} className="button">
            All campaigns
          </Link>
        </div>
      </div>
      <p>
        <span className={`status campaign-${c.state}`}>{CAMPAIGN_STATE_LABELS[c.state]}</span> · {c.categoryName}
        {c.state === 'scheduled' && <> · starts {inTimeZone(c.scheduledAt, c.timezone)}</>}
        {c.finishedAt && <> · ended {formatDateTime(c.finishedAt)}</>}
      </p>
      {c.failureReason && (
        <p className="error" role="alert">
          {c.failureReason}
        </p>
      )}
      <ErrorMessage error={pause.error ?? resume.error} />

      <div className="toolbar campaign-actions">
        {c.state === 'draft' && (
          <>
            <button type="button" className="button" onClick={() => setEditing(true)}>
              Edit
            </button>
            <button type="button" className="button primary" onClick={() => setConfirming('send')}>
              Send now
            </button>
            <button type="button" className="button" onClick={() => setConfirming('schedule')}>
              Schedule…
            </button>
            <button type="button" className="button danger" onClick={() => setConfirming('delete')}>
              Delete
            </button>
          </>
        )}
        {c.state === 'sending' && (
          <button type="button" className="button" disabled={pause.isPending} onClick={() => pause.mutate(input)}>
            Pause
          </button>
        )}
        {(c.state === 'paused' || c.state === 'failed') && (
          <button type="button" className="button primary" disabled={resume.isPending} onClick={() => resume.mutate(input)}>
            Resume
          </button>
        )}
        {(c.state === 'scheduled' || c.state === 'sending' || c.state === 'paused' || c.state === 'failed') && (
          <button type="button" className="button danger" onClick={() => setConfirming('cancel')}>
            Cancel campaign
          </button>
        )}
        {(c.state === 'sent' || c.state === 'failed' || c.state === 'paused') && (progress.data?.failed ?? 0) > 0 && (
          <button type="button" className="button" onClick={() => setConfirming('retry')}>
            Retry the failed ones
          </button>
        )}
      </div>

      {(c.state === 'draft' || c.state === 'scheduled') && (
        <p role="status">{count === undefined ? 'Counting the audience…' : `${who[0]!.toUpperCase()}${who.slice(1)} would receive it now.`}</p>
      )}
      {progress.data && progress.data.total > 0 && <ProgressBar progress={progress.data} />}
      {progress.data?.throttledUntil && c.state === 'sending' && <p className="hint">MailerSend asked us to slow down; sending carries on at {formatDateTime(progress.data.throttledUntil)}.</p>}

      <section className="campaign-content">
        <h2>Subject</h2>
        <p>{c.subject || <span className="muted">No subject yet</span>}</p>
        <h2>Text body</h2>
        <pre className="campaign-text">{c.textBody || '—'}</pre>
        <h2>HTML body</h2>
        <pre className="campaign-text">{c.htmlBody || '—'}</pre>
      </section>

      {failed.data && failed.data.recipients.length > 0 && (
        <section>
          <h2>Failed recipients</h2>
          <table className="table" aria-label="Failed recipients">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {failed.data.recipients.map((r) => (
                <tr key={r.contactId}>
                  <td>{r.email}</td>
                  <td>{r.error}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      {editing && (
        <CampaignFormDialog
          workspace={workspace}
          campaign={c}
          onClose={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            void refresh();
          }}
        />
      )}
      {confirming === 'send' && (
        <ConfirmDialog title={`Send ${c.name} now?`} confirmLabel="Send now" mutation={send} onCancel={() => setConfirming(null)} onConfirm={() => send.mutate(input)}>
          <p>
            It goes to {who} of {workspace.name} who receive {c.categoryName}. The audience is fixed when you confirm; anyone who opts out before their email goes is skipped.
          </p>
        </ConfirmDialog>
      )}
      {confirming === 'schedule' && (
        <ConfirmDialog title={`Schedule ${c.name}`} confirmLabel="Schedule" mutation={send} onCancel={() => setConfirming(null)} onConfirm={() => send.mutate({ ...input, at })}>
          <Field label={`Send at (${c.timezone})`} hint="The workspace’s time zone. The audience is fixed when sending starts.">
            {(control) => <input {...control} type="datetime-local" required value={at} onChange={(e) => setAt(e.target.value)} />}
          </Field>
        </ConfirmDialog>
      )}
      {confirming === 'cancel' && (
        <ConfirmDialog title={`Cancel ${c.name}?`} confirmLabel="Cancel campaign" mutation={cancel} onCancel={() => setConfirming(null)} onConfirm={() => cancel.mutate(input)}>
          <p>Those not yet sent to will not get it. A cancelled campaign cannot be resumed.</p>
        </ConfirmDialog>
      )}
      {confirming === 'retry' && (
        <ConfirmDialog title="Retry the failed recipients?" confirmLabel="Retry" mutation={retry} onCancel={() => setConfirming(null)} onConfirm={() => retry.mutate(input)}>
          <p>
            Their emails are sent again (if they still receive {c.categoryName}). Some failures say the outcome is unknown: those people may already have the email.
          </p>
        </ConfirmDialog>
      )}
      {confirming === 'delete' && (
        <ConfirmDialog title={`Delete ${c.name}?`} confirmLabel="Delete draft" mutation={remove} onCancel={() => setConfirming(null)} onConfirm={() => remove.mutate(input)}>
          <p>The draft is deleted; nothing was sent.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function ProgressBar({ progress }: { progress: CampaignProgress }) {
  const { total } = progress;
  const done = progress.sent + progress.failed + progress.skipped;
  const share = (n: number) => `${total ? (100 * n) / total : 0}%`;
  return (
    <div className="campaign-progress">
      <div className="bar" role="progressbar" aria-label="Sending progress" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done}>
        <span className="sent" style={{ width: share(progress.sent) }} />
        <span className="failed" style={{ width: share(progress.failed) }} />
        <span className="skipped" style={{ width: share(progress.skipped) }} />
      </div>
      <dl className="counts">
        <dt>Sent</dt>
        <dd>{progress.sent.toLocaleString()}</dd>
        <dt>Failed</dt>
        <dd>{progress.failed.toLocaleString()}</dd>
        <dt>Skipped (opted out)</dt>
        <dd>{progress.skipped.toLocaleString()}</dd>
        <dt>Waiting</dt>
        <dd>{(progress.pending + progress.sending).toLocaleString()}</dd>
        <dt>Total</dt>
        <dd>{total.toLocaleString()}</dd>
      </dl>
    </div>
  );
}
