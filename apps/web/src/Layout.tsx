import { useState } from 'react';
import { OverviewPage } from './areas/overview/OverviewPage';
import { Link, navigate, usePath } from './routes';
import type { RouterOutputs } from './trpc';
import { Avatar } from './ui/Avatar';

type Me = RouterOutputs['me'];
export type Organisation = Me['organisations'][number];

/** The settings areas the console has, in sidebar order. `path` is relative to /orgs/:id. */
const AREAS: { path: string; label: string; render: (org: Organisation) => React.ReactNode }[] = [
  { path: '', label: 'Overview', render: (org) => <OverviewPage organisation={org} /> },
];

function parsePath(path: string): { organisationId: string | null; areaPath: string } {
  const match = /^\/orgs\/([0-9a-f-]{36})(?:\/(.*))?$/.exec(path);
  return { organisationId: match?.[1] ?? null, areaPath: (match?.[2] ?? '').replace(/\/$/, '') };
}

async function signOut(setError: (message: string) => void) {
  const response = await fetch('/auth/sign-out', { method: 'POST', headers: { Accept: 'application/json' } });
  if (!response.ok) return setError('Sign-out failed. Please try again.');
  window.location.assign('/');
}

export function Layout({ me }: { me: Me }) {
  const path = usePath();
  const [error, setError] = useState<string | null>(null);
  const { organisationId, areaPath } = parsePath(path);
  const organisation = me.organisations.find((o) => o.id === organisationId) ?? me.organisations[0] ?? null;
  const area = AREAS.find((a) => a.path === areaPath);

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Steward</span>
        {me.organisations.length > 0 && organisation && (
          <label className="org-switcher">
            <span className="visually-hidden">Organisation</span>
            <select value={organisation.id} onChange={(e) => navigate(`/orgs/${e.target.value}`)} aria-label="Organisation">
              {me.organisations.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <span className="spacer" />
        <span className="who" data-testid="signed-in-user">
          <Avatar name={me.user.name} url={me.user.avatarUrl} />
          <span>
            <strong>{me.user.name}</strong>
            <small>{me.user.email}</small>
          </span>
        </span>
        <button className="button" onClick={() => void signOut(setError)}>
          Sign out
        </button>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {organisation ? (
        <div className="body">
          <nav className="sidebar" aria-label="Settings">
            {AREAS.map((a) => {
              const to = `/orgs/${organisation.id}${a.path ? `/${a.path}` : ''}`;
              return (
                <Link key={a.path} to={to} aria-current={a === area ? 'page' : undefined}>
                  {a.label}
                </Link>
              );
            })}
          </nav>
          <main className="content">{area ? area.render(organisation) : <p>This page does not exist.</p>}</main>
        </div>
      ) : (
        <main className="content">
          <h1>Welcome, {me.user.name}</h1>
          <p>You are not a member of any organisation yet. Ask an administrator to invite {me.user.email}.</p>
        </main>
      )}
    </div>
  );
}
