import { useEffect, useState } from 'react';

interface Providers {
  google: boolean;
  development: boolean;
}

export function SignInPage() {
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
      {failed && <p className="error" role="alert">Steward could not be reached. Reload the page to try again.</p>}
      {providers?.google && (
        <a className="button primary" href="/auth/google">
          Sign in with Google
        </a>
      )}
      {providers?.development && (
        <section className="dev-sign-in" aria-labelledby="dev-heading">
          <p className="banner" role="note" id="dev-heading">
            <strong>Development sign-in.</strong> Anyone can sign in as any email. It is never available in production.
          </p>
          <form method="post" action="/auth/dev/sign-in">
            <label htmlFor="dev-email">Email</label>
            <input id="dev-email" name="email" type="email" required autoComplete="email" placeholder="admin@example.com" />
            <button type="submit" className="button">Sign in (development)</button>
          </form>
        </section>
      )}
    </main>
  );
}
