import { TRPCClientError } from '@trpc/client';
import { SignInPage } from './areas/sign-in/SignInPage';
import { Layout } from './Layout';
import { trpc } from './trpc';

export function App() {
  const me = trpc.me.useQuery();
  if (me.isPending) return <p className="loading">Loading…</p>;
  if (me.error) {
    if (me.error instanceof TRPCClientError && me.error.data?.code === 'UNAUTHORIZED') return <SignInPage />;
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
  return <Layout me={me.data} />;
}
