import { useState } from 'react';
import { trpc } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { TestAction } from '../../ui/TestAction';
import { AiSettingsFacts, AiSettingsForm } from './AiSettingsForm';

/** Integrations → AI provider: the organisation's provider, model and key; workspaces may override it. */
export function OrganisationAiCard({ organisationId }: { organisationId: string }) {
  const utils = trpc.useUtils();
  const ai = trpc.ai.get.useQuery({ organisationId });
  const [saved, setSaved] = useState(false);
  const [clearing, setClearing] = useState(false);
  const show = (after: NonNullable<typeof ai.data>) => utils.ai.get.setData({ organisationId }, after);
  const save = trpc.ai.save.useMutation({
    onSuccess: (after) => {
      setSaved(true);
      show(after);
    },
  });
  const clear = trpc.ai.clear.useMutation({
    onSuccess: (after) => {
      setClearing(false);
      setSaved(false);
      show(after);
    },
  });
  const test = trpc.ai.test.useMutation();
  const settings = ai.data?.settings ?? null;

  return (
    <section className="card" aria-labelledby="ai-heading">
      <h2 id="ai-heading">AI provider</h2>
      <p className="hint">The provider and model Steward’s AI features use in this organisation. A workspace’s admins may choose another one for their workspace.</p>
      <ErrorMessage error={ai.error} />
      {ai.isPending && <p className="loading">Loading…</p>}
      {ai.data && (
        <>
          {settings ? <AiSettingsFacts settings={settings} /> : <p className="muted">No AI provider is set up.</p>}
          <AiSettingsForm key={settings?.updatedAt.toString() ?? 'none'} settings={settings} mutation={save} saved={saved} onEdit={() => setSaved(false)} onSave={(values) => save.mutate({ organisationId, ...values })} />
          <h3>Test</h3>
          <TestAction mutation={test} label="Test connection" pendingLabel="Testing…" onRun={() => test.mutate({ organisationId })} />
          {settings && (
            <div className="dialog-actions start">
              <button type="button" className="button danger" onClick={() => setClearing(true)}>
                Remove AI settings
              </button>
            </div>
          )}
        </>
      )}
      {clearing && (
        <ConfirmDialog title="Remove AI settings" confirmLabel="Remove" mutation={clear} onCancel={() => setClearing(false)} onConfirm={() => clear.mutate({ organisationId })}>
          <p>The provider, model and saved key are deleted. Workspaces with their own settings keep them.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
