import { useEffect, useMemo, useState } from 'react';
import type { Limits, Organisation } from '../../Layout';
import { can } from '../../permissions';
import { WorkspaceAiSection } from '../ai/WorkspaceAiSection';
import { WorkspaceApiKeysSection } from '../api-keys/WorkspaceApiKeysSection';
import { Link, navigate } from '../../routes';
import { trpc, type RouterInputs, type RouterOutputs } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { ChoiceField, Field } from '../../ui/Field';
import { SaveActions } from '../../ui/SaveActions';
import { readAsBase64 } from '../../ui/readAsBase64';

type Workspace = RouterOutputs['workspaces']['bySlug']['workspace'];
type DateFormat = NonNullable<RouterInputs['workspaces']['update']['dateFormat']>;
type LogoContentType = RouterInputs['workspaces']['setLogo']['contentType'];

const DATE_FORMAT_LABELS: Record<DateFormat, string> = {
  'DD/MM/YYYY': 'DD/MM/YYYY (31/12/2026)',
  'MM/DD/YYYY': 'MM/DD/YYYY (12/31/2026)',
};
const LOGO_TYPE_LABELS: Record<LogoContentType, string> = { 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/svg+xml': 'SVG' };

const settingsPath = (organisationId: string, slug: string) => `/orgs/${organisationId}/workspaces/${slug}`;

/**
 * /orgs/:orgId/workspaces/:slug — general settings. An old slug (before a rename) redirects to the current one.
 * Open to every member: the server finds only workspaces one has a role in (all with 'organisation.view').
 */
export function WorkspaceSettingsPage({ organisation, slug, limits }: { organisation: Organisation; slug: string; limits: Limits }) {
  const found = trpc.workspaces.bySlug.useQuery({ organisationId: organisation.id, slug }, { retry: false });
  const current = found.data;
  useEffect(() => {
    if (current?.redirectedFrom) navigate(settingsPath(organisation.id, current.workspace.slug), { replace: true });
  }, [current, organisation.id]);

  return (
    <>
      {can(organisation, 'organisation.view') && (
        <p className="breadcrumb">
          <Link to={`/orgs/${organisation.id}/workspaces`}>Workspaces</Link> /
        </p>
      )}
      <ErrorMessage error={found.error} />
      {found.isPending && <p className="loading">Loading…</p>}
      {current && !current.redirectedFrom && (
        <WorkspaceSettings key={current.workspace.id} organisation={organisation} workspace={current.workspace} limits={limits} />
      )}
    </>
  );
}

function WorkspaceSettings({ organisation, workspace, limits }: { organisation: Organisation; workspace: Workspace; limits: Limits }) {
  const utils = trpc.useUtils();
  // Effective workspace admins and holders of 'workspaces.manage' change these settings (the server decides).
  const myRole = organisation.workspaces.find((w) => w.id === workspace.id)?.role;
  const mayEdit = myRole === 'admin' || can(organisation, 'workspaces.manage');
  const [name, setName] = useState(workspace.name);
  const [slug, setSlug] = useState(workspace.slug);
  const [timezone, setTimezone] = useState(workspace.timezone);
  const [dateFormat, setDateFormat] = useState<DateFormat>(workspace.dateFormat);
  const [defaultLanguage, setDefaultLanguage] = useState(workspace.defaultLanguage);
  const [emailSenderName, setEmailSenderName] = useState(workspace.emailSenderName ?? '');
  const [saved, setSaved] = useState(false);

  const timezones = useMemo(() => {
    const all = new Set(Intl.supportedValuesOf('timeZone'));
    all.add('UTC');
    all.add(workspace.timezone);
    return [...all].sort();
  }, [workspace.timezone]);

  // `me` lists the workspace by name and slug in the sidebar.
  const refresh = () => Promise.all([utils.workspaces.bySlug.invalidate(), utils.workspaces.list.invalidate(), utils.me.invalidate()]);
  const update = trpc.workspaces.update.useMutation({
    onSuccess: (after) => {
      setSaved(true);
      // The new address shows this same form at once (and keeps "Saved."), with no loading in between.
      utils.workspaces.bySlug.setData({ organisationId: organisation.id, slug: after.slug }, { workspace: after, redirectedFrom: null });
      if (after.slug !== workspace.slug) navigate(settingsPath(organisation.id, after.slug), { replace: true });
      void refresh();
    },
  });

  return (
    <>
      <div className="page-header">
        <h1>{workspace.name}</h1>
        {workspace.kind === 'global' && <span className="status">Global workspace</span>}
      </div>
      {!mayEdit && <p className="banner">Only workspace admins can change these settings.</p>}
      <section aria-labelledby="general-heading">
        <h2 id="general-heading">General</h2>
        <form
          className="form narrow"
          onSubmit={(event) => {
            event.preventDefault();
            setSaved(false);
            update.mutate({ workspaceId: workspace.id, name, slug, timezone, dateFormat, defaultLanguage, emailSenderName: emailSenderName.trim() || null });
          }}
        >
          <fieldset disabled={!mayEdit} className="plain">
            <Field label="Name">{(control) => <input {...control} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
            <Field label="Slug" hint="Changing it changes this workspace’s addresses; the old slug keeps redirecting.">
              {(control) => <input {...control} required maxLength={63} value={slug} onChange={(e) => setSlug(e.target.value)} />}
            </Field>
            <ChoiceField label="Time zone" value={timezone} choices={timezones} onChange={setTimezone} />
            <ChoiceField
              label="Date format"
              value={dateFormat}
              choices={Object.keys(DATE_FORMAT_LABELS) as DateFormat[]}
              labels={DATE_FORMAT_LABELS}
              onChange={setDateFormat}
            />
            <Field label="Default language" hint="A language code such as en, fr or fr-CA.">
              {(control) => <input {...control} required value={defaultLanguage} onChange={(e) => setDefaultLanguage(e.target.value)} />}
            </Field>
            <Field label="Campaign sender name (optional)" hint="The name this workspace’s campaigns come from. Empty: the organisation’s.">
              {(control) => <input {...control} maxLength={100} value={emailSenderName} onChange={(e) => setEmailSenderName(e.target.value)} />}
            </Field>
            <SaveActions mutation={update} saved={saved} submitLabel="Save settings" disabled={!mayEdit} />
          </fieldset>
        </form>
      </section>
      <WorkspaceLogo workspace={workspace} mayEdit={mayEdit} maxBytes={limits.maxLogoBytes} onChanged={() => void refresh()} />
      {/* API keys and the AI provider are the workspace's own admins' (workspace.settings). */}
      {myRole === 'admin' && <WorkspaceApiKeysSection organisationId={organisation.id} workspace={workspace} />}
      {myRole === 'admin' && <WorkspaceAiSection workspaceId={workspace.id} />}
    </>
  );
}

/** A byte count in KB as people read it (524288 → "512 KB"). */
function kilobytes(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KB`;
}

/** `maxBytes` is the server's limit: checking first spares uploading a large file for nothing. */
function WorkspaceLogo(props: { workspace: Workspace; mayEdit: boolean; maxBytes: number; onChanged: () => void }) {
  const { workspace, mayEdit, maxBytes, onChanged } = props;
  const [fileError, setFileError] = useState<string | null>(null);
  const [confirmingRemoval, setConfirmingRemoval] = useState(false);
  const setLogo = trpc.workspaces.setLogo.useMutation({ onSuccess: onChanged });
  const removeLogo = trpc.workspaces.removeLogo.useMutation({
    onSuccess: () => {
      setConfirmingRemoval(false);
      onChanged();
    },
  });
  const acceptedTypes = Object.keys(LOGO_TYPE_LABELS) as LogoContentType[];

  async function upload(file: File) {
    setFileError(null);
    setLogo.reset();
    const contentType = acceptedTypes.find((t) => t === file.type);
    if (!contentType) return setFileError(`Choose a ${Object.values(LOGO_TYPE_LABELS).join(', ')} file.`);
    if (file.size > maxBytes) return setFileError(`A logo can be at most ${kilobytes(maxBytes)}; this file is ${kilobytes(file.size)}.`);
    try {
      setLogo.mutate({ workspaceId: workspace.id, contentType, data: await readAsBase64(file) });
    } catch (error) {
      setFileError((error as Error).message);
    }
  }

  return (
    <section aria-labelledby="logo-heading">
      <h2 id="logo-heading">Logo</h2>
      {workspace.logoUpdatedAt ? (
        <img
          className="logo-preview"
          src={`/workspace-logos/${workspace.id}?v=${encodeURIComponent(workspace.logoUpdatedAt)}`}
          alt={`Logo of ${workspace.name}`}
        />
      ) : (
        <p className="muted">No logo yet.</p>
      )}
      {mayEdit && (
        <div className="logo-actions">
          <Field label="Upload a logo" hint={`${Object.values(LOGO_TYPE_LABELS).join(', ')}, at most ${kilobytes(maxBytes)}.`}>
            {(control) => (
              <input
                {...control}
                type="file"
                accept={acceptedTypes.join(',')}
                disabled={setLogo.isPending}
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  e.target.value = '';
                  if (file) void upload(file);
                }}
              />
            )}
          </Field>
          {workspace.logoUpdatedAt && (
            <button type="button" className="button danger" onClick={() => setConfirmingRemoval(true)}>
              Remove logo
            </button>
          )}
        </div>
      )}
      {fileError && (
        <p className="error" role="alert">
          {fileError}
        </p>
      )}
      <ErrorMessage error={setLogo.error} />
      {confirmingRemoval && (
        <ConfirmDialog
          title="Remove logo"
          confirmLabel="Remove logo"
          mutation={removeLogo}
          onCancel={() => setConfirmingRemoval(false)}
          onConfirm={() => removeLogo.mutate({ workspaceId: workspace.id })}
        >
          <p>{workspace.name} will show no logo until a new one is uploaded.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
