import type { Organisation } from '../../Layout';

const ROLE_LABELS: Record<Organisation['orgRole'], string> = {
  admin: 'Administrator',
  billing_admin: 'Billing administrator',
  user_admin: 'User administrator',
  member: 'Member',
};

export function OverviewPage({ organisation }: { organisation: Organisation }) {
  return (
    <>
      <h1>{organisation.name}</h1>
      <p>
        Your organisation role: <strong>{ROLE_LABELS[organisation.orgRole]}</strong>
      </p>
    </>
  );
}
