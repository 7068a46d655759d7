import { TRPCClientError } from '@trpc/client';
import { AcceptInvitationPage } from './areas/invitations/AcceptInvitationPage';
import { SignInPage } from './areas/sign-in/SignInPage';
import { Layout } from './Layout';
import { useLocation } from './routes';
import { trpc } from './trpc';

/** The invitation link's page: it works signed out (sign in, then come back) and signed in. */
const ACCEPT_INVITATION_PATH = '/invitations/accept';

export function App() {
  const me = trpc.me.useQuery();
  const { path, search } = useLocation();
  if (me.isPending) return <p className="loading">Loading…</p>;
  if (me.error) {
    // Signed out: sign in, then return to the page that was asked for (e.g. an invitation link).
    if (me.error instanceof TRPCClientError && me.error.data?.code === 'UNAUTHORIZED') {
      return <SignInPage next={path === '/' ? undefined : path + search} invited={path === ACCEPT_INVITATION_PATH} />;
    }
    return (
      <main className="sign-in">
        <p className="error" role="alert">
          {me.error.message}
        </p>
        <button className="button" onClick={() => void me.refetch()}>
          Try again
        </button>
      </main>
    );
  }
  if (path === ACCEPT_INVITATION_PATH) {
    return <AcceptInvitationPage me={me.data} token={new URLSearchParams(search).get('token') ?? ''} />;
  }
  return <Layout me={me.data} />;
}
