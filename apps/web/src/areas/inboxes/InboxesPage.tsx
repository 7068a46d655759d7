import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { type RouterOutputs, trpc } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { formatDateTime } from '../../ui/formatDate';
import { ActionsColumnHeader } from '../../ui/Table';
import { NoWorkspace, useChosenWorkspace, type WorkspaceEntry, WorkspacePicker } from '../records/WorkspacePicker';
import { type Inbox, InboxDialog, RULE_LABELS } from './InboxDialog';
import './inboxes.css';

type Summary = RouterOutputs['conversations']['list']['conversations'][number];

const SLA_LABELS: Record<Summary['sla']['state'], string> = { none: '—', on_track: 'On track', breached: 'Breached', met: 'Met' };

/**
 * /orgs/:id/inboxes/:slug — a workspace's inboxes (seed 002 "Inboxes"): admins set them up; everyone
 * who works the workspace sees each inbox's conversations with assignee, status and SLA state, and
 * members assign, reply (through the conversation's channel) and resolve.
 */
export function InboxesPage({ organisation }: { organisation: Organisation }) {
  const { workspace, slug } = useChosenWorkspace(organisation, 'inboxes');
  if (!workspace) {
    return (
      <>
        <div className="page-header">
          <h1>Inboxes</h1>
        </div>
        <NoWorkspace organisation={organisation} slug={slug} />
      </>
    );
  }
  return <WorkspaceInboxes key={workspace.id} organisation={organisation} workspace={workspace} />;
}

function WorkspaceInboxes({ organisation, workspace }: { organisation: Organisation; workspace: WorkspaceEntry }) {
  const utils = trpc.useUtils();
  const input = { workspaceId: workspace.id };
  const list = trpc.inboxes.list.useQuery(input);
  const manages = workspace.role === 'admin';
  const [editing, setEditing] = useState<Inbox | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Inbox | null>(null);
  const [chosenId, setChosenId] = useState<string | null>(null);
  const remove = trpc.inboxes.delete.useMutation();
  const refresh = () => utils.inboxes.list.invalidate(input);
  const inboxes = list.data?.inboxes ?? [];
  const chosen = inboxes.find((i) => i.id === chosenId) ?? inboxes[0] ?? null;

  return (
    <>
      <div className="page-header">
        <h1>Inboxes</h1>
        <div className="toolbar">
          <WorkspacePicker organisation={organisation} area="inboxes" workspace={workspace} />
          {manages && (
            <button type="button" className="button primary" onClick={() => setEditing('new')}>
              New inbox
            </button>
          )}
        </div>
      </div>
      <ErrorMessage error={list.error} />
      {list.isPending && <p className="loading">Loading…</p>}
      {list.data && inboxes.length === 0 && <p>No inboxes yet.{manages ? ' Create one and choose the channels that feed it.' : ''}</p>}
      {inboxes.length > 0 && (
        <table className="table" aria-label="Inboxes">
          <thead>
            <tr>
              <th scope="col">Inbox</th>
              <th scope="col">Assignment</th>
              <th scope="col">Agents</th>
              <th scope="col">Open</th>
              <th scope="col">Business hours</th>
              <ActionsColumnHeader />
            </tr>
          </thead>
          <tbody>
            {inboxes.map((i) => (
              <tr key={i.id} aria-selected={chosen?.id === i.id}>
                <td>
                  <button type="button" className="link-button" onClick={() => setChosenId(i.id)}>
                    {i.name}
                  </button>
                  {i.emailAddress && <div className="hint">{i.emailAddress}</div>}
                </td>
                <td>
                  {RULE_LABELS[i.assignment]}
                  {i.assignment === 'load_balanced' && i.agentCap !== null && <div className="hint">at most {i.agentCap} open each</div>}
                </td>
                <td>{i.agents.map((a) => `${a.name} (${a.openConversations})`).join(', ') || '—'}</td>
                <td>{i.openConversations}</td>
                <td>{i.businessHours ? `${Object.keys(i.businessHours).length} days a week, ${i.timeZone}` : 'Always open'}</td>
                <td className="actions">
                  {manages && (
                    <>
                      <button type="button" className="button" onClick={() => setEditing(i)}>
                        Edit
                      </button>
                      <button type="button" className="button danger" onClick={() => setDeleting(i)}>
                        Delete
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {chosen && <Conversations key={chosen.id} workspace={workspace} inbox={chosen} />}
      {editing && (
        <InboxDialog
          workspaceId={workspace.id}
          timeZone={inboxes[0]?.timeZone ?? 'the workspace time zone'}
          inbox={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => void refresh()}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete inbox"
          mutation={remove}
          onCancel={() => setDeleting(null)}
          onConfirm={() =>
            remove.mutate(
              { ...input, inboxId: deleting.id },
              {
                onSuccess: () => {
                  setDeleting(null);
                  void refresh();
                },
              },
            )
          }
        >
          <p>Its {deleting.openConversations} open conversations and all its past ones are deleted with it. Its channels stay.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function Conversations({ workspace, inbox }: { workspace: WorkspaceEntry; inbox: Inbox }) {
  const [status, setStatus] = useState<'open' | 'resolved' | 'all'>('open');
  const [assignee, setAssignee] = useState<'' | 'me' | 'unassigned'>('');
  const [openId, setOpenId] = useState<string | null>(null);
  const input = { workspaceId: workspace.id, inboxId: inbox.id, status, ...(assignee ? { assignee } : {}) };
  const list = trpc.conversations.list.useInfiniteQuery(input, { getNextPageParam: (page) => page.nextCursor ?? undefined });
  const rows = list.data?.pages.flatMap((p) => p.conversations) ?? [];
  return (
    <section className="conversations" aria-label={`Conversations of ${inbox.name}`}>
      <div className="page-header">
        <h2>Conversations · {inbox.name}</h2>
        <div className="toolbar">
          <select aria-label="Status" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="open">Open</option>
            <option value="resolved">Resolved</option>
            <option value="all">All</option>
          </select>
          <select aria-label="Assignee" value={assignee} onChange={(e) => setAssignee(e.target.value as typeof assignee)}>
            <option value="">Everyone's</option>
            <option value="me">Assigned to me</option>
            <option value="unassigned">Unassigned</option>
          </select>
        </div>
      </div>
      <ErrorMessage error={list.error} />
      {list.data && rows.length === 0 && <p>No {status === 'all' ? '' : status} conversations.</p>}
      {rows.length > 0 && (
        <table className="table" aria-label="Conversations">
          <thead>
            <tr>
              <th scope="col">Contact</th>
              <th scope="col">Last message</th>
              <th scope="col">Assignee</th>
              <th scope="col">Status</th>
              <th scope="col">SLA</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.id}>
                <td>
                  <button type="button" className="link-button" onClick={() => setOpenId(c.id)}>
                    {c.contact.name}
                  </button>
                  <div className="hint">{c.contact.email ?? c.contact.phone}</div>
                </td>
                <td>
                  {c.preview}
                  <div className="hint">{formatDateTime(c.lastMessageAt)}</div>
                </td>
                <td>{c.assignee?.name ?? 'Unassigned'}</td>
                <td>{c.status === 'open' ? 'Open' : 'Resolved'}</td>
                <td className={c.sla.state === 'breached' ? 'error' : undefined}>
                  {SLA_LABELS[c.sla.state]}
                  {c.sla.nextDueAt && <div className="hint">due {formatDateTime(c.sla.nextDueAt)}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.hasNextPage && (
        <button type="button" className="button" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          Load more
        </button>
      )}
      {openId && <ConversationPanel key={openId} workspace={workspace} inbox={inbox} conversationId={openId} onClose={() => setOpenId(null)} />}
    </section>
  );
}

function ConversationPanel(props: { workspace: WorkspaceEntry; inbox: Inbox; conversationId: string; onClose: () => void }) {
  const utils = trpc.useUtils();
  const input = { workspaceId: props.workspace.id, conversationId: props.conversationId };
  const conversation = trpc.conversations.get.useQuery(input);
  const [reply, setReply] = useState('');
  const refresh = () => Promise.all([utils.conversations.get.invalidate(input), utils.conversations.list.invalidate(), utils.inboxes.list.invalidate()]);
  const assign = trpc.conversations.assign.useMutation({ onSettled: refresh });
  const send = trpc.conversations.reply.useMutation({ onSuccess: () => setReply(''), onSettled: refresh });
  const resolve = trpc.conversations.resolve.useMutation({ onSettled: refresh });
  const works = props.workspace.role === 'member' || props.workspace.role === 'admin';
  const c = conversation.data;
  return (
    <aside className="conversation-panel" aria-label="Conversation">
      <div className="page-header">
        <h3>{c ? `${c.contact.name}${c.subject ? ` · ${c.subject}` : ''}` : 'Conversation'}</h3>
        <button type="button" className="button" onClick={props.onClose}>
          Close
        </button>
      </div>
      <ErrorMessage error={conversation.error ?? assign.error ?? send.error ?? resolve.error} />
      {c && (
        <>
          <div className="toolbar">
            <label>
              Assignee{' '}
              <select
                disabled={!works || assign.isPending}
                value={c.assignee?.userId ?? ''}
                onChange={(e) => assign.mutate({ ...input, userId: e.target.value || null })}
              >
                <option value="">Unassigned</option>
                {props.inbox.agents.map((a) => (
                  <option key={a.userId} value={a.userId}>
                    {a.name}
                  </option>
                ))}
              </select>
            </label>
            {works && c.status === 'open' && (
              <button type="button" className="button" disabled={resolve.isPending} onClick={() => resolve.mutate(input)}>
                Resolve
              </button>
            )}
          </div>
          <ol className="messages">
            {c.messages.map((m) => (
              <li key={m.id} className={`message ${m.direction}`}>
                <div>{m.body}</div>
                <div className="hint">
                  {m.direction === 'inbound' ? c.contact.name : m.kind === 'out_of_office' ? 'Out-of-office reply' : m.kind === 'csat' ? 'Satisfaction survey' : (m.author?.name ?? 'Steward')} · {formatDateTime(m.createdAt)}
                  {m.delivery === 'failed' && <span className="error"> · not sent: {m.failure}</span>}
                  {m.delivery === 'pending' && ' · sending…'}
                </div>
              </li>
            ))}
          </ol>
          {works && c.status === 'open' && (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                send.mutate({ ...input, body: reply });
              }}
            >
              <label htmlFor="reply">Reply</label>
              <textarea id="reply" rows={3} maxLength={2000} required value={reply} onChange={(e) => setReply(e.target.value)} />
              <button type="submit" className="button primary" disabled={send.isPending}>
                {send.isPending ? 'Sending…' : 'Send reply'}
              </button>
            </form>
          )}
        </>
      )}
    </aside>
  );
}
