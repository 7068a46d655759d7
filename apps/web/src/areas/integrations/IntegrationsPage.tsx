import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { trpc, type RouterInputs, type RouterOutputs } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field, SecretField } from '../../ui/Field';
import { SaveActions } from '../../ui/SaveActions';
import { TestAction } from '../../ui/TestAction';
import { OrganisationAiCard } from '../ai/OrganisationAiCard';

type MailerSendSettings = RouterOutputs['integrations']['get']['mailersend'];
type SettingSource = MailerSendSettings['apiKey']['source'];
type RevertableSetting = Exclude<NonNullable<RouterInputs['integrations']['revertMailerSend']['setting']>, 'both'>;

/** Where a setting's value comes from, in words; typed by the router, so a new source needs a label. */
function sourceLabel(source: SettingSource, environmentVariable: string): string {
  const labels: Record<SettingSource, string> = {
    saved: 'Saved here',
    environment: `From the environment (${environmentVariable})`,
    unset: 'Not set',
  };
  return labels[source];
}

const SETTING_NAMES: Record<RevertableSetting, string> = { apiKey: 'API key', fromEmail: 'From address', webhookSecret: 'webhook signing secret' };

/** Integrations: MailerSend's key and From address, saved here (sealed by the server) or from the environment. */
export function IntegrationsPage({ organisation }: { organisation: Organisation }) {
  const integrations = trpc.integrations.get.useQuery({ organisationId: organisation.id });
  return (
    <>
      <div className="page-header">
        <h1>Integrations</h1>
      </div>
      <ErrorMessage error={integrations.error} />
      {integrations.isPending && <p className="loading">Loading…</p>}
      {integrations.data && <MailerSendCard organisationId={organisation.id} settings={integrations.data.mailersend} />}
      <OrganisationAiCard organisationId={organisation.id} />
    </>
  );
}

function MailerSendCard({ organisationId, settings }: { organisationId: string; settings: MailerSendSettings }) {
  const utils = trpc.useUtils();
  const me = trpc.me.useQuery();
  // The key is never sent to the console: this box only ever holds a replacement being typed.
  const [apiKey, setApiKey] = useState('');
  const [webhookSecret, setWebhookSecret] = useState('');
  const [fromEmail, setFromEmail] = useState(settings.fromEmail.value ?? '');
  const [saved, setSaved] = useState(false);
  const [reverting, setReverting] = useState<RevertableSetting | null>(null);

  function showSettings(after: { mailersend: MailerSendSettings }) {
    utils.integrations.get.setData({ organisationId }, after);
    setFromEmail(after.mailersend.fromEmail.value ?? '');
  }

  const save = trpc.integrations.saveMailerSend.useMutation({
    onSuccess: (after) => {
      setApiKey('');
      setWebhookSecret('');
      setSaved(true);
      showSettings(after);
    },
  });
  const revert = trpc.integrations.revertMailerSend.useMutation({
    onSuccess: (after) => {
      setReverting(null);
      setSaved(false);
      showSettings(after);
    },
  });
  const testEmail = trpc.integrations.sendTestEmail.useMutation();

  const newApiKey = apiKey.trim();
  const newFromEmail = fromEmail.trim().toLowerCase();
  const fromEmailChanged = newFromEmail !== '' && newFromEmail !== settings.fromEmail.value;
  const newWebhookSecret = webhookSecret.trim();
  const changed = newApiKey !== '' || fromEmailChanged || newWebhookSecret !== '';

  return (
    <section className="card" aria-labelledby="mailersend-heading">
      <h2 id="mailersend-heading">MailerSend</h2>
      <p className="hint">
        Steward sends invitations and campaigns through MailerSend. Values saved here override the server’s environment for{' '}
        this organisation from the next email on.
      </p>

      <dl className="facts">
        <dt>API key</dt>
        <dd>
          {settings.apiKey.mask && <code className="mask">{settings.apiKey.mask}</code>}{' '}
          <span className={`status source-${settings.apiKey.source}`}>{sourceLabel(settings.apiKey.source, 'MAILERSEND_API_KEY')}</span>
          {settings.apiKey.source === 'saved' && (
            <button type="button" className="button small" onClick={() => setReverting('apiKey')}>
              Revert API key to environment
            </button>
          )}
        </dd>
        <dt>From address</dt>
        <dd>
          {settings.fromEmail.value ?? <span className="muted">None</span>}{' '}
          <span className={`status source-${settings.fromEmail.source}`}>{sourceLabel(settings.fromEmail.source, 'MAILERSEND_FROM_EMAIL')}</span>
          {settings.fromEmail.source === 'saved' && (
            <button type="button" className="button small" onClick={() => setReverting('fromEmail')}>
              Revert From address to environment
            </button>
          )}
        </dd>
        <dt>Webhook signing secret</dt>
        <dd>
          <span className={`status source-${settings.webhookSecret.saved ? 'saved' : 'unset'}`}>{settings.webhookSecret.saved ? 'Saved here' : 'Not set'}</span>
          {settings.webhookSecret.saved && (
            <button type="button" className="button small" onClick={() => setReverting('webhookSecret')}>
              Remove webhook signing secret
            </button>
          )}
          <p className="hint">
            With this organisation’s own MailerSend account, add a webhook in MailerSend to <code>{settings.webhookUrl}</code> for the events{' '}
            <code>activity.unsubscribed</code> and <code>activity.spam_complaint</code>, and save its signing secret here: the people who unsubscribe or
            complain there are unsubscribed here too.
          </p>
        </dd>
      </dl>

      <form
        className="form narrow"
        onSubmit={(event) => {
          event.preventDefault();
          setSaved(false);
          save.mutate({
            organisationId,
            ...(newApiKey ? { apiKey: newApiKey } : {}),
            ...(fromEmailChanged ? { fromEmail: newFromEmail } : {}),
            ...(newWebhookSecret ? { webhookSecret: newWebhookSecret } : {}),
          });
        }}
      >
        <SecretField
          label="New API key"
          hint="Leave empty to keep the current key. The key is stored encrypted and never shown again."
          value={apiKey}
          placeholder="mlsn.…"
          onChange={(value) => {
            setApiKey(value);
            setSaved(false);
          }}
        />
        <Field label="From address" hint="The sender of every email; its domain must be verified in MailerSend.">
          {(control) => (
            <input
              {...control}
              type="email"
              value={fromEmail}
              onChange={(e) => {
                setFromEmail(e.target.value);
                setSaved(false);
              }}
            />
          )}
        </Field>
        <SecretField
          label="New webhook signing secret"
          hint="Leave empty to keep the current one. Stored encrypted and never shown again."
          value={webhookSecret}
          onChange={(value) => {
            setWebhookSecret(value);
            setSaved(false);
          }}
        />
        <SaveActions mutation={save} saved={saved} submitLabel="Save" disabled={!changed} />
      </form>

      <h3>Test</h3>
      <p className="hint">Sends a short email to you{me.data ? ` (${me.data.user.email})` : ''} with the settings above, and shows what MailerSend answered.</p>
      <TestAction
        mutation={testEmail}
        label="Send test email"
        pendingLabel="Sending…"
        failurePrefix="The test email was not sent: "
        onRun={() => testEmail.mutate({ organisationId })}
      />

      {reverting && (
        <ConfirmDialog
          title={reverting === 'webhookSecret' ? 'Remove the webhook signing secret' : `Revert ${SETTING_NAMES[reverting]} to environment`}
          confirmLabel={reverting === 'webhookSecret' ? 'Remove' : 'Revert to environment'}
          mutation={revert}
          onCancel={() => setReverting(null)}
          onConfirm={() => revert.mutate({ organisationId, setting: reverting })}
        >
          {reverting === 'webhookSecret' ? (
            <p>The webhook signing secret saved here is deleted: MailerSend’s webhook requests signed with it are refused from now on.</p>
          ) : (
            <p>
              The {SETTING_NAMES[reverting]} saved here is deleted, and emails use the server’s{' '}
              <code>{reverting === 'apiKey' ? 'MAILERSEND_API_KEY' : 'MAILERSEND_FROM_EMAIL'}</code> again from the next email on.
            </p>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}
