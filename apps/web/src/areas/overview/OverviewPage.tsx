import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { navigate } from '../../routes';
import { trpc } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ORG_ROLE_LABELS } from '../users/roleLabels';

export function OverviewPage({ organisation }: { organisation: Organisation }) {
  const [confirmingLeave, setConfirmingLeave] = useState(false);
  const utils = trpc.useUtils();
  const leave = trpc.users.leave.useMutation({
    onSuccess: async () => {
      setConfirmingLeave(false);
      await utils.me.invalidate();
      navigate('/');
    },
  });
  return (
    <>
      <h1>{organisation.name}</h1>
      <p>
        Your organisation role: <strong>{ORG_ROLE_LABELS[organisation.orgRole]}</strong>
      </p>
      <section className="leave-organisation">
        <h2>Leave {organisation.name}</h2>
        <p>You lose access to its workspaces, your API keys for it stop working, and its contacts assigned to you become unassigned.</p>
        <button type="button" className="button danger" onClick={() => setConfirmingLeave(true)}>
          Leave organisation
        </button>
      </section>
      {confirmingLeave && (
        <ConfirmDialog
          title={`Leave ${organisation.name}?`}
          confirmLabel="Leave organisation"
          mutation={leave}
          onConfirm={() => leave.mutate({ organisationId: organisation.id })}
          onCancel={() => setConfirmingLeave(false)}
        >
          <p>To come back, an administrator has to invite you again.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
