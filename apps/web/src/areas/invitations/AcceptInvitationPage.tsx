import { useState } from 'react';
import { navigate } from '../../routes';
import { signOut } from '../../session';
import { trpc, type RouterOutputs } from '../../trpc';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { formatDateTime } from '../../ui/formatDate';
import { ORG_ROLE_LABELS } from '../users/roleLabels';

type Me = RouterOutputs['me'];
type InvitationState = RouterOutputs['invitations']['preview']['state'];

const STATE_LABELS: Record<InvitationState, string> = {
  pending: 'Waiting for you to accept',
  accepted: 'Already accepted',
  expired: 'Expired — ask an admin to send a new one',
};

/** /invitations/accept?token=… for a signed-in person: what they are invited to, and the button to join. */
export function AcceptInvitationPage({ me, token }: { me: Me; token: string }) {
  const utils = trpc.useUtils();
  const preview = trpc.invitations.preview.useQuery({ token }, { enabled: token.length > 0, retry: false });
  const accept = trpc.invitations.accept.useMutation({
    onSuccess: async ({ organisationId }) => {
      // The new organisation must be in `me` before its pages can show.
      await utils.me.invalidate();
      navigate(`/orgs/${organisationId}`);
    },
  });
  const [signOutError, setSignOutError] = useState<string | null>(null);
  const invitation = preview.data;
  const wrongAccount = invitation && invitation.email !== me.user.email;

  return (
    <main className="sign-in">
      <h1>{invitation ? `Join ${invitation.organisationName}` : 'Invitation'}</h1>
      {!token && <p className="error" role="alert">This link has no invitation token. Open the link from the invitation email again.</p>}
      {preview.isPending && token && <p className="loading">Loading the invitation…</p>}
      <ErrorMessage error={preview.error} />
      {invitation && (
        <dl className="facts">
          <dt>Organisation</dt>
          <dd>{invitation.organisationName}</dd>
          <dt>Invited address</dt>
          <dd>{invitation.email}</dd>
          <dt>Organisation role</dt>
          <dd>{ORG_ROLE_LABELS[invitation.orgRole]}</dd>
          <dt>State</dt>
          <dd>{STATE_LABELS[invitation.state]}</dd>
          <dt>Expires</dt>
          <dd>{formatDateTime(invitation.expiresAt)}</dd>
          <dt>Signed in as</dt>
          <dd>{me.user.email}</dd>
        </dl>
      )}
      {wrongAccount && (
        <p className="banner" role="note">
          This invitation is for {invitation.email}, but you are signed in as {me.user.email}. Sign out and sign in with the invited address.
        </p>
      )}
      <ErrorMessage error={accept.error} />
      {signOutError && <p className="error" role="alert">{signOutError}</p>}
      <div className="dialog-actions">
        {invitation?.state === 'pending' && (
          <button type="button" className="button primary" disabled={accept.isPending} onClick={() => accept.mutate({ token })}>
            {accept.isPending ? 'Accepting…' : 'Accept invitation'}
          </button>
        )}
        <button
          type="button"
          className="button"
          onClick={() => void signOut(window.location.pathname + window.location.search).then((f) => f && setSignOutError(f.error))}
        >
          Sign out and use another account
        </button>
        <a className="button" href="/">
          Go to the console
        </a>
      </div>
    </main>
  );
}
