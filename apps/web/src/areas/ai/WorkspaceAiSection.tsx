import { useState } from 'react';
import { trpc } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { TestAction } from '../../ui/TestAction';
import { AiSettingsFacts, AiSettingsForm } from './AiSettingsForm';

/** Workspace settings → AI: this workspace's own provider, or the organisation's. For the workspace's admins. */
export function WorkspaceAiSection({ workspaceId }: { workspaceId: string }) {
  const utils = trpc.useUtils();
  const ai = trpc.workspaceAi.get.useQuery({ workspaceId });
  const [saved, setSaved] = useState(false);
  const [clearing, setClearing] = useState(false);
  const show = (after: NonNullable<typeof ai.data>) => utils.workspaceAi.get.setData({ workspaceId }, after);
  const save = trpc.workspaceAi.save.useMutation({
    onSuccess: (after) => {
      setSaved(true);
      show(after);
    },
  });
  const clear = trpc.workspaceAi.clear.useMutation({
    onSuccess: (after) => {
      setClearing(false);
      setSaved(false);
      show(after);
    },
  });
  const test = trpc.workspaceAi.test.useMutation();
  const data = ai.data;

  return (
    <section aria-labelledby="workspace-ai-heading">
      <h2 id="workspace-ai-heading">AI provider</h2>
      <ErrorMessage error={ai.error} />
      {ai.isPending && <p className="loading">Loading…</p>}
      {data && (
        <>
          {data.override ? (
            <>
              <p className="hint">This workspace uses its own AI provider instead of the organisation’s.</p>
              <AiSettingsFacts settings={data.override} />
            </>
          ) : data.organisation ? (
            <>
              <p className="hint">This workspace uses the organisation’s AI provider. Save settings below to use another one here.</p>
              <AiSettingsFacts settings={data.organisation} />
            </>
          ) : (
            <p className="muted">No AI provider is set up for the organisation or this workspace.</p>
          )}
          <AiSettingsForm
            key={data.override?.updatedAt.toString() ?? 'none'}
            settings={data.override}
            mutation={save}
            saved={saved}
            onEdit={() => setSaved(false)}
            onSave={(values) => save.mutate({ workspaceId, ...values })}
          />
          <TestAction mutation={test} label="Test connection" pendingLabel="Testing…" onRun={() => test.mutate({ workspaceId })} />
          {data.override && (
            <div className="dialog-actions start">
              <button type="button" className="button" onClick={() => setClearing(true)}>
                Use the organisation’s AI provider
              </button>
            </div>
          )}
        </>
      )}
      {clearing && (
        <ConfirmDialog title="Use the organisation’s AI provider" confirmLabel="Remove this workspace’s settings" mutation={clear} onCancel={() => setClearing(false)} onConfirm={() => clear.mutate({ workspaceId })}>
          <p>This workspace’s provider, model and saved key are deleted; the organisation’s settings apply again.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
