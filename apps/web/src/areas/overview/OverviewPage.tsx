import type { Organisation } from '../../Layout';
import { ORG_ROLE_LABELS } from '../users/roleLabels';

export function OverviewPage({ organisation }: { organisation: Organisation }) {
  return (
    <>
      <h1>{organisation.name}</h1>
      <p>
        Your organisation role: <strong>{ORG_ROLE_LABELS[organisation.orgRole]}</strong>
      </p>
    </>
  );
}
