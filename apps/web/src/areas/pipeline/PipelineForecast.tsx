import { trpc, type RouterOutputs } from '../../trpc';
import { ErrorMessage } from '../../ui/ErrorMessage';

type Amount = RouterOutputs['pipeline']['forecast']['totals'][number];

function money(value: number, currency: string | null) {
  if (!currency) return value.toLocaleString();
  try {
    return value.toLocaleString(undefined, { style: 'currency', currency });
  } catch {
    return `${value.toLocaleString()} ${currency}`;
  }
}

const amounts = (list: Omit<Amount, 'deals'>[], key: 'amount' | 'weighted') =>
  list.length === 0 ? <span className="muted">—</span> : list.map((a) => money(a[key], a.currency)).join(' + ');

/**
 * Under the deals list: each stage's deals, their amounts and the weighted forecast (amount × the
 * stage's win probability), and the totals, one figure per currency.
 */
export function PipelineForecast({ workspaceId }: { workspaceId: string }) {
  const forecast = trpc.pipeline.forecast.useQuery({ workspaceId });
  if (forecast.error) return <ErrorMessage error={forecast.error} />;
  if (!forecast.data) return null;
  const { stages, totals } = forecast.data;
  return (
    <section aria-labelledby="forecast-heading">
      <h2 id="forecast-heading">Forecast</h2>
      <table className="table fields-table" aria-label="Forecast by stage">
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col">Win probability</th>
            <th scope="col">Deals</th>
            <th scope="col">Amount</th>
            <th scope="col">Weighted</th>
          </tr>
        </thead>
        <tbody>
          {stages.map((stage) => (
            <tr key={stage.stageId}>
              <th scope="row">{stage.name}</th>
              <td>{stage.probability}%</td>
              <td>{stage.deals}</td>
              <td>{amounts(stage.amounts, 'amount')}</td>
              <td>{amounts(stage.amounts, 'weighted')}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            <td />
            <td>{totals.reduce((n, t) => n + t.deals, 0)}</td>
            <td>{amounts(totals.filter((t) => t.amount !== 0), 'amount')}</td>
            <td>{amounts(totals.filter((t) => t.amount !== 0), 'weighted')}</td>
          </tr>
        </tfoot>
      </table>
    </section>
  );
}
