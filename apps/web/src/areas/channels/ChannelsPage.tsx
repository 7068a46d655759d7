import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { useLocation } from '../../routes';
import { type RouterOutputs, trpc } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { ChoiceField, Field, SecretField } from '../../ui/Field';
import { formatDateTime } from '../../ui/formatDate';
import { ActionsColumnHeader } from '../../ui/Table';
import { type WorkspaceEntry, WorkspaceAdminPage, WorkspacePicker } from '../records/WorkspacePicker';

type Channel = RouterOutputs['channels']['list']['channels'][number];

const KIND_LABELS: Record<Channel['kind'], string> = { gmail: 'Gmail', outlook: 'Outlook', smtp: 'SMTP', twilio_sms: 'Twilio SMS', twilio_voice: 'Twilio Voice' };
const TLS_MODES = ['starttls', 'tls', 'none'] as const;
const TLS_LABELS: Record<(typeof TLS_MODES)[number], string> = { starttls: 'STARTTLS (port 587)', tls: 'TLS from the start (port 465)', none: 'None (local relays only)' };

/**
 * /orgs/:id/channels/:slug — where a workspace's conversations come from and replies go out (seed
 * 002 "Channels"), for its admins: Gmail and Outlook connected by OAuth, SMTP, Twilio SMS and Voice;
 * each with its status, and why and since when it stopped working.
 */
export function ChannelsPage({ organisation }: { organisation: Organisation }) {
  return (
    <WorkspaceAdminPage organisation={organisation} area="channels" title="Channels" what="channels">
      {(workspace) => <WorkspaceChannels key={workspace.id} organisation={organisation} workspace={workspace} />}
    </WorkspaceAdminPage>
  );
}

function StatusCell({ channel }: { channel: Channel }) {
  if (channel.status === 'active') {
    return (
      <>
        Working
        {channel.connection?.account && <div className="hint">connected as {channel.connection.account}</div>}
        {channel.lastCheckedAt && <div className="hint">checked {formatDateTime(channel.lastCheckedAt)}</div>}
      </>
    );
  }
  return (
    <span className="error" role="alert">
      {channel.status === 'needs_reconnection' ? 'Needs reconnecting' : 'Not working'} since {channel.failingSince ? formatDateTime(channel.failingSince) : 'recently'}: {channel.failureReason}
    </span>
  );
}

function WorkspaceChannels({ organisation, workspace }: { organisation: Organisation; workspace: WorkspaceEntry }) {
  const utils = trpc.useUtils();
  const { search } = useLocation();
  const returned = new URLSearchParams(search);
  const input = { workspaceId: workspace.id };
  const list = trpc.channels.list.useQuery(input);
  const refresh = () => utils.channels.list.invalidate(input);
  const [dialog, setDialog] = useState<'smtp' | 'twilio' | { connect: 'gmail' | 'outlook' } | null>(null);
  const [removing, setRemoving] = useState<Channel | null>(null);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const test = trpc.channels.test.useMutation({ onSuccess: (r) => setNotice({ ok: r.ok, text: r.message }), onSettled: refresh });
  const remove = trpc.channels.remove.useMutation();
  const providers = list.data?.oauthProviders ?? [];

  return (
    <>
      <div className="page-header">
        <h1>Channels</h1>
        <div className="toolbar">
          <WorkspacePicker organisation={organisation} area="channels" workspace={workspace} />
          {providers.map((p) => (
            <button key={p.id} type="button" className="button" onClick={() => setDialog({ connect: p.id as 'gmail' | 'outlook' })}>
              Connect {p.label}
            </button>
          ))}
          <button type="button" className="button" onClick={() => setDialog('smtp')}>
            Add SMTP
          </button>
          <button type="button" className="button primary" onClick={() => setDialog('twilio')}>
            Add Twilio
          </button>
        </div>
      </div>
      <p className="hint">Channels feed the inboxes of {workspace.name}. Passwords and tokens are stored encrypted and never shown again.</p>
      {returned.get('connected') && !notice && (
        <p className="success" role="status">
          Connected {KIND_LABELS[returned.get('connected') as Channel['kind']] ?? returned.get('connected')}.
        </p>
      )}
      {returned.get('oauth_error') && !notice && (
        <p className="error" role="alert">
          {returned.get('oauth_error')}
        </p>
      )}
      {notice && (
        <p className={notice.ok ? 'success' : 'error'} role={notice.ok ? 'status' : 'alert'}>
          {notice.text}
        </p>
      )}
      <ErrorMessage error={list.error ?? test.error} />
      {list.isPending && <p className="loading">Loading…</p>}
      {list.data && list.data.channels.length === 0 && <p>No channels yet.</p>}
      {list.data && list.data.channels.length > 0 && (
        <table className="table" aria-label="Channels">
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col">Kind</th>
              <th scope="col">Address</th>
              <th scope="col">Status</th>
              <ActionsColumnHeader />
            </tr>
          </thead>
          <tbody>
            {list.data.channels.map((c) => (
              <tr key={c.id}>
                <td>
                  <strong>{c.name}</strong>
                  {c.settings.host && (
                    <div className="hint">
                      {c.settings.username} @ {c.settings.host}:{c.settings.port} · password {c.secretMask}
                    </div>
                  )}
                  {c.settings.accountSid && (
                    <div className="hint">
                      {c.settings.accountSid} · Auth Token {c.secretMask}
                    </div>
                  )}
                  {c.inboundWebhookUrl && (
                    <div className="hint">
                      Twilio's "{c.kind === 'twilio_sms' ? 'A message comes in' : 'A call comes in'}" webhook: <code>{c.inboundWebhookUrl}</code>
                    </div>
                  )}
                </td>
                <td>{KIND_LABELS[c.kind]}</td>
                <td>{c.address}</td>
                <td>
                  <StatusCell channel={c} />
                </td>
                <td className="actions">
                  {c.status === 'needs_reconnection' && (c.kind === 'gmail' || c.kind === 'outlook') && (
                    <button type="button" className="button primary" onClick={() => setDialog({ connect: c.kind as 'gmail' | 'outlook' })}>
                      Reconnect
                    </button>
                  )}
                  <button type="button" className="button" disabled={test.isPending} onClick={() => test.mutate({ ...input, channelId: c.id })}>
                    Test
                  </button>
                  <button type="button" className="button danger" onClick={() => setRemoving(c)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {dialog === 'smtp' && <SmtpDialog workspaceId={workspace.id} onClose={() => setDialog(null)} onSaved={() => void refresh()} />}
      {dialog === 'twilio' && <TwilioDialog workspaceId={workspace.id} onClose={() => setDialog(null)} onSaved={() => void refresh()} />}
      {dialog && typeof dialog === 'object' && <ConnectDialog workspaceId={workspace.id} kind={dialog.connect} label={KIND_LABELS[dialog.connect]} onClose={() => setDialog(null)} />}
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          confirmLabel="Remove"
          mutation={remove}
          onCancel={() => setRemoving(null)}
          onConfirm={() =>
            remove.mutate(
              { ...input, channelId: removing.id },
              {
                onSuccess: (r) => {
                  setRemoving(null);
                  setNotice({ ok: true, text: r.message });
                  void refresh();
                },
              },
            )
          }
        >
          <p>
            Inboxes stop receiving from {removing.address} through this channel, and its credentials are deleted
            {removing.connection ? `; Steward asks ${KIND_LABELS[removing.kind]} to revoke its access` : ''}.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function ConnectDialog(props: { workspaceId: string; kind: 'gmail' | 'outlook'; label: string; onClose: () => void }) {
  const [name, setName] = useState(`${props.label} support`);
  const connect = trpc.channels.connectOAuth.useMutation({ onSuccess: (r) => window.location.assign(r.authorizeUrl) });
  return (
    <Dialog title={`Connect ${props.label}`} onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          connect.mutate({ workspaceId: props.workspaceId, kind: props.kind, name, returnTo: window.location.pathname });
        }}
      >
        <Field label="Channel name">{(control) => <input {...control} required maxLength={80} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
        <p className="hint">You sign in at {props.label} and allow Steward to send mail as you (replies to conversations); you come back here afterwards.</p>
        <DialogActions mutation={connect} submitLabel={`Continue to ${props.label}`} pendingLabel="Opening…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

function SmtpDialog(props: { workspaceId: string; onClose: () => void; onSaved: () => void }) {
  const [form, setForm] = useState({ name: 'Support mail', address: '', host: '', port: '587', tlsMode: 'starttls' as (typeof TLS_MODES)[number], username: '', password: '' });
  const set = (change: Partial<typeof form>) => setForm((f) => ({ ...f, ...change }));
  const create = trpc.channels.createSmtp.useMutation({
    onSuccess: () => {
      props.onSaved();
      props.onClose();
    },
  });
  return (
    <Dialog title="Add an SMTP channel" onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ workspaceId: props.workspaceId, ...form, port: Number(form.port) });
        }}
      >
        <Field label="Channel name">{(c) => <input {...c} required maxLength={80} value={form.name} onChange={(e) => set({ name: e.target.value })} />}</Field>
        <Field label="Email address">{(c) => <input {...c} type="email" required value={form.address} onChange={(e) => set({ address: e.target.value })} />}</Field>
        <Field label="SMTP host">{(c) => <input {...c} required placeholder="smtp.example.com" value={form.host} onChange={(e) => set({ host: e.target.value })} />}</Field>
        <Field label="Port">{(c) => <input {...c} type="number" min={1} max={65535} required value={form.port} onChange={(e) => set({ port: e.target.value })} />}</Field>
        <ChoiceField label="TLS" value={form.tlsMode} choices={TLS_MODES} labels={TLS_LABELS} onChange={(tlsMode) => set({ tlsMode })} />
        <Field label="User">{(c) => <input {...c} required autoComplete="off" value={form.username} onChange={(e) => set({ username: e.target.value })} />}</Field>
        <SecretField label="Password" required value={form.password} onChange={(password) => set({ password })} />
        <p className="hint">After saving, use Test: Steward connects, says hello and logs in, then hangs up.</p>
        <DialogActions mutation={create} submitLabel="Add channel" pendingLabel="Adding…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

function TwilioDialog(props: { workspaceId: string; onClose: () => void; onSaved: () => void }) {
  const [form, setForm] = useState({ kind: 'twilio_sms' as 'twilio_sms' | 'twilio_voice', name: 'Support SMS', accountSid: '', authToken: '', phoneNumber: '' });
  const set = (change: Partial<typeof form>) => setForm((f) => ({ ...f, ...change }));
  const create = trpc.channels.createTwilio.useMutation({
    onSuccess: () => {
      props.onSaved();
      props.onClose();
    },
  });
  return (
    <Dialog title="Add a Twilio channel" onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ workspaceId: props.workspaceId, ...form });
        }}
      >
        <ChoiceField label="Kind" value={form.kind} choices={['twilio_sms', 'twilio_voice'] as const} labels={{ twilio_sms: 'SMS', twilio_voice: 'Voice' }} onChange={(kind) => set({ kind })} />
        <Field label="Channel name">{(c) => <input {...c} required maxLength={80} value={form.name} onChange={(e) => set({ name: e.target.value })} />}</Field>
        <Field label="Account SID" hint="AC followed by 32 characters, from the Twilio console.">
          {(c) => <input {...c} required autoComplete="off" value={form.accountSid} onChange={(e) => set({ accountSid: e.target.value })} />}
        </Field>
        <SecretField label="Auth Token" required value={form.authToken} onChange={(authToken) => set({ authToken })} />
        <Field label="Phone number" hint="E.164: + then the country code and number, e.g. +447700900123.">
          {(c) => <input {...c} required placeholder="+447700900123" value={form.phoneNumber} onChange={(e) => set({ phoneNumber: e.target.value })} />}
        </Field>
        <DialogActions mutation={create} submitLabel="Add channel" pendingLabel="Adding…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
