import { useEffect, useId } from 'react';
import type { Organisation } from '../../Layout';
import { navigate, usePath } from '../../routes';
import { WORKSPACE_ROLE_LABELS } from '../users/roleLabels';

/** A workspace the signed-in person can open, with their effective role there (from `me`). */
export type WorkspaceEntry = Organisation['workspaces'][number];

const rememberedKey = (organisationId: string) => `steward.workspace.${organisationId}`;

function remembered(organisationId: string): string | null {
  try {
    return window.localStorage.getItem(rememberedKey(organisationId));
  } catch {
    return null;
  }
}

function remember(organisationId: string, slug: string) {
  try {
    window.localStorage.setItem(rememberedKey(organisationId), slug);
  } catch {
    // Storage may be off (private mode): the console then opens the first workspace.
  }
}

/**
 * The workspace a data page shows: `/orgs/:id/<area>/<slug>/<rest…>`. Without a slug, the page
 * goes to the workspace last opened in this organisation (else the first one the person has a
 * role in), so Contacts, Companies, Deals and Fields stay in the same workspace.
 */
export function useChosenWorkspace(organisation: Organisation, area: string): { workspace: WorkspaceEntry | null; slug: string | null; rest: string[] } {
  const path = usePath();
  const prefix = `/orgs/${organisation.id}/${area}`;
  const segments = path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1).split('/').filter(Boolean).map(decodeURIComponent) : [];
  const slug = segments[0] ?? null;
  const workspace = slug ? (organisation.workspaces.find((w) => w.slug === slug) ?? null) : null;

  useEffect(() => {
    if (slug) return;
    const last = remembered(organisation.id);
    const fallback = organisation.workspaces.find((w) => w.slug === last) ?? organisation.workspaces[0];
    if (fallback) navigate(`${prefix}/${encodeURIComponent(fallback.slug)}`, { replace: true });
  }, [slug, organisation, prefix]);

  useEffect(() => {
    if (workspace) remember(organisation.id, workspace.slug);
  }, [workspace, organisation.id]);

  return { workspace, slug, rest: segments.slice(1) };
}

/** Chooses the workspace of a data page; `suffix` keeps the rest of the path (e.g. the entity). */
export function WorkspacePicker(props: { organisation: Organisation; area: string; workspace: WorkspaceEntry; suffix?: string }) {
  const { organisation, area, workspace } = props;
  const id = useId();
  // The label points at the select (htmlFor) so that the select's name is "Workspace", not its value too.
  return (
    <span className="workspace-picker">
      <label htmlFor={id}>Workspace</label>
      <select
        id={id}
        value={workspace.slug}
        onChange={(e) => navigate(`/orgs/${organisation.id}/${area}/${encodeURIComponent(e.target.value)}${props.suffix ?? ''}`)}
      >
        {organisation.workspaces.map((w) => (
          <option key={w.id} value={w.slug}>
            {w.name} ({WORKSPACE_ROLE_LABELS[w.role]})
          </option>
        ))}
      </select>
    </span>
  );
}

/** What a data page says when the path names no workspace the person can open. */
export function NoWorkspace({ organisation, slug }: { organisation: Organisation; slug: string | null }) {
  if (organisation.workspaces.length === 0) {
    return <p className="banner">You have no role in any workspace of {organisation.name} yet. Ask an administrator to add you to one.</p>;
  }
  if (!slug) return <p className="loading">Loading…</p>;
  return (
    <p className="error" role="alert">
      There is no workspace “{slug}” among yours in {organisation.name}.
    </p>
  );
}

/**
 * A workspace settings page for the workspace's admins: the chosen workspace's page when the person
 * administers it, else the page's title, the picker and who may use it. (Team, Channels, Webhooks…)
 */
export function WorkspaceAdminPage(props: {
  organisation: Organisation;
  area: string;
  title: string;
  /** What the page manages, for "Only admins of <workspace> manage its <what>." */
  what: string;
  children: (workspace: WorkspaceEntry) => React.ReactNode;
}) {
  const { organisation, area } = props;
  const { workspace, slug } = useChosenWorkspace(organisation, area);
  if (workspace?.role === 'admin') return <>{props.children(workspace)}</>;
  return (
    <>
      <div className="page-header">
        <h1>{props.title}</h1>
        {workspace && (
          <div className="toolbar">
            <WorkspacePicker organisation={organisation} area={area} workspace={workspace} />
          </div>
        )}
      </div>
      {workspace ? <p className="banner">Only admins of {workspace.name} manage its {props.what}.</p> : <NoWorkspace organisation={organisation} slug={slug} />}
    </>
  );
}
