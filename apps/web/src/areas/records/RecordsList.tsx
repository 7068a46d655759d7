import type { RowData } from '@tanstack/react-table';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { type RecordColumn, RecordsTable } from './RecordsTable';

/** One keyset page, as every search procedure answers it. */
export interface RecordPage<Row> {
  items: Row[];
  nextCursor: string | null;
  total: number;
  totalIsEstimate: boolean;
}

/** The part of an infinite query the list needs (tRPC's `useInfiniteQuery` result). */
export interface PagedQuery<Row> {
  data?: { pages: RecordPage<Row>[] };
  error: { message: string } | null;
  isPending: boolean;
  isFetching: boolean;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}

export const PAGE_SIZE = 50;

/** "1 contact", "120 contacts", or "about 1,200,000 contacts" when the server estimated it. */
export function totalText(page: Pick<RecordPage<unknown>, 'total' | 'totalIsEstimate'>, noun: { one: string; many: string }): string {
  const n = page.total;
  return `${page.totalIsEstimate ? 'about ' : ''}${n.toLocaleString()} ${n === 1 && !page.totalIsEstimate ? noun.one : noun.many}`;
}

/**
 * A records list: how many match, the table, and "Load more" while the server has a next page
 * (keyset pages follow `nextCursor`, so rows never repeat or go missing between pages).
 */
export function RecordsList<Row extends RowData & { id: string }>(props: {
  noun: { one: string; many: string };
  label: string;
  filtered: boolean;
  query: PagedQuery<Row>;
  columns: RecordColumn<Row>[];
}) {
  const { query, noun } = props;
  const pages = query.data?.pages ?? [];
  const rows = pages.flatMap((p) => p.items);
  const first = pages[0];
  return (
    <>
      <ErrorMessage error={query.error} />
      {query.isPending && !query.error && <p className="loading">Loading…</p>}
      {first && (
        <p className="records-total" role="status" aria-live="polite">
          {first.total === 0 ? (props.filtered ? `No ${noun.many} match these filters.` : `No ${noun.many} yet.`) : `${totalText(first, noun)}${props.filtered ? (first.total === 1 && !first.totalIsEstimate ? ' matches' : ' match') : ''}`}
          {rows.length > 0 && rows.length < first.total && <span className="muted"> · showing {rows.length.toLocaleString()}</span>}
          {query.isFetching && !query.isFetchingNextPage && <span className="muted"> · updating…</span>}
        </p>
      )}
      {rows.length > 0 && <RecordsTable label={props.label} columns={props.columns} rows={rows} />}
      {query.hasNextPage && (
        <div className="pager">
          <button type="button" className="button" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
            {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </>
  );
}
