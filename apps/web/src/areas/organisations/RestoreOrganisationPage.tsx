import type { Organisation } from '../../Layout';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { formatDateTime } from '../../ui/formatDate';

/** What an admin sees of an organisation scheduled for deletion: when it goes, and the way back. */
export function RestoreOrganisationPage({ organisation }: { organisation: Organisation }) {
  const utils = trpc.useUtils();
  const restore = trpc.organisations.restore.useMutation({ onSuccess: () => utils.me.invalidate() });
  return (
    <>
      <div className="page-header">
        <h1>{organisation.name} is scheduled for deletion</h1>
      </div>
      <p className="banner" role="status">
        Its members have lost access. Everything in it will be deleted for good on {formatDateTime(organisation.deletionScheduledUntil!)}.
      </p>
      <p>Until then, an admin can restore it as it was. Its subscription was set to end with the current period; resume it under Billing after restoring.</p>
      <ErrorMessage error={restore.error} />
      <button className="button primary" disabled={restore.isPending} onClick={() => restore.mutate({ organisationId: organisation.id })}>
        {restore.isPending ? 'Restoring…' : 'Restore organisation'}
      </button>
    </>
  );
}
