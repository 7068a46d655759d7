import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { Link, navigate } from '../../routes';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { formatDateTime } from '../../ui/formatDate';
import { NoWorkspace, useChosenWorkspace, type WorkspaceEntry, WorkspacePicker } from '../records/WorkspacePicker';
import { CampaignDetail } from './CampaignDetail';
import { CampaignFormDialog } from './CampaignFormDialog';
import { CAMPAIGN_STATE_LABELS, inTimeZone } from './campaignLabels';
import './campaigns.css';

/**
 * /orgs/:id/campaigns/:slug[/:campaignId] — a workspace's campaigns for its admins: the list, a
 * new draft, and one campaign with its audience, sending and progress.
 */
export function CampaignsPage({ organisation }: { organisation: Organisation }) {
  const { workspace, slug, rest } = useChosenWorkspace(organisation, 'campaigns');
  if (!workspace) {
    return (
      <>
        <div className="page-header">
          <h1>Campaigns</h1>
        </div>
        <NoWorkspace organisation={organisation} slug={slug} />
      </>
    );
  }
  if (workspace.role !== 'admin') {
    return (
      <>
        <div className="page-header">
          <h1>Campaigns</h1>
          <div className="toolbar">
            <WorkspacePicker organisation={organisation} area="campaigns" workspace={workspace} />
          </div>
        </div>
        <p>Only the admins of {workspace.name} write and send its campaigns.</p>
      </>
    );
  }
  const base = `/orgs/${organisation.id}/campaigns/${encodeURIComponent(workspace.slug)}`;
  if (rest[0]) return <CampaignDetail key={rest[0]} workspace={workspace} campaignId={rest[0]} backTo={base} />;
  return <CampaignList key={workspace.id} organisation={organisation} workspace={workspace} base={base} />;
}

function CampaignList({ organisation, workspace, base }: { organisation: Organisation; workspace: WorkspaceEntry; base: string }) {
  const list = trpc.campaigns.list.useInfiniteQuery({ workspaceId: workspace.id, limit: 50 }, { getNextPageParam: (page) => page.nextCursor ?? undefined });
  const [creating, setCreating] = useState(false);
  const campaigns = list.data?.pages.flatMap((p) => p.campaigns) ?? [];
  return (
    <>
      <div className="page-header">
        <h1>Campaigns</h1>
        <div className="toolbar">
          <WorkspacePicker organisation={organisation} area="campaigns" workspace={workspace} />
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            New campaign
          </button>
        </div>
      </div>
      <p className="hint">Emails of one category to the contacts of {workspace.name} who receive it. Each person gets a campaign at most once.</p>
      <ErrorMessage error={list.error} />
      {list.isPending && <p className="loading">Loading…</p>}
      {list.data && campaigns.length === 0 && <p className="muted">No campaigns here yet.</p>}
      {campaigns.length > 0 && (
        <table className="table" aria-label="Campaigns">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Category</th>
              <th scope="col">State</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {campaigns.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`${base}/${c.id}`}>{c.name}</Link>
                </td>
                <td>{c.categoryName}</td>
                <td>
                  <span className={`status campaign-${c.state}`}>{CAMPAIGN_STATE_LABELS[c.state]}</span>
                </td>
                <td>
                  {c.state === 'scheduled'
                    ? inTimeZone(c.scheduledAt, c.timezone)
                    : c.finishedAt
                      ? formatDateTime(c.finishedAt)
                      : c.startedAt
                        ? formatDateTime(c.startedAt)
                        : `Created ${formatDateTime(c.createdAt)}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.hasNextPage && (
        <button type="button" className="button" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          {list.isFetchingNextPage ? 'Loading…' : 'Show more'}
        </button>
      )}
      {creating && (
        <CampaignFormDialog
          workspace={workspace}
          campaign={null}
          onClose={() => setCreating(false)}
          onSaved={(campaign) => {
            setCreating(false);
            navigate(`${base}/${campaign.id}`);
          }}
        />
      )}
    </>
  );
}
