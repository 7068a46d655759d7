/** The part of a paged list response the pager needs. */
export interface PagedResult {
  page: number;
  pageSize: number;
  total: number;
}

/**
 * Previous / Next under a paged list, with "first–last of total". `page` is the page asked for,
 * which can run ahead of `result` while the next page loads; nothing shows for an empty list.
 */
export function Pager(props: { label: string; page: number; result: PagedResult | undefined; onPageChange: (page: number) => void }) {
  const { page, result } = props;
  if (!result || result.total === 0) return null;
  const first = (result.page - 1) * result.pageSize + 1;
  const last = Math.min(result.page * result.pageSize, result.total);
  return (
    <nav className="pager" aria-label={props.label}>
      <button type="button" className="button small" disabled={page <= 1} onClick={() => props.onPageChange(page - 1)}>
        Previous
      </button>
      <span>
        {first}–{last} of {result.total}
      </span>
      <button type="button" className="button small" disabled={last >= result.total} onClick={() => props.onPageChange(page + 1)}>
        Next
      </button>
    </nav>
  );
}
