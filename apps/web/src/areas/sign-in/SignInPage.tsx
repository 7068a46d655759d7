import { useEffect, useState } from 'react';

interface Providers {
  google: boolean;
  development: boolean;
}

/** `next`: the same-site path to come back to after signing in. `invited`: opened from an invitation link. */
export function SignInPage({ next, invited = false }: { next?: string; invited?: boolean }) {
  const [providers, setProviders] = useState<Providers | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    fetch('/auth/providers')
      .then((r) => r.json() as Promise<Providers>)
      .then(setProviders, () => setFailed(true));
  }, []);

  return (
    <main className="sign-in">
      <h1>Sign in to Steward</h1>
      {invited && <p>You have been invited to an organisation. Sign in with the address the invitation was sent to, then accept it.</p>}
      {failed && <p className="error" role="alert">Steward could not be reached. Reload the page to try again.</p>}
      {providers?.google && (
        <a className="button primary" href={next ? `/auth/google?next=${encodeURIComponent(next)}` : '/auth/google'}>
          Sign in with Google
        </a>
      )}
      {providers?.development && (
        <section className="dev-sign-in" aria-labelledby="dev-heading">
          <p className="banner" role="note" id="dev-heading">
            <strong>Development sign-in.</strong> Anyone can sign in as any email. It is never available in production.
          </p>
          <form method="post" action="/auth/dev/sign-in">
            {next && <input type="hidden" name="next" value={next} />}
            <label htmlFor="dev-email">Email</label>
            <input id="dev-email" name="email" type="email" required autoComplete="email" placeholder="admin@example.com" />
            <button type="submit" className="button">Sign in (development)</button>
          </form>
        </section>
      )}
    </main>
  );
}
