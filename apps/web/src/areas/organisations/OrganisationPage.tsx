import { useState } from 'react';
import type { Limits, Organisation } from '../../Layout';
import { can } from '../../permissions';
import { trpc, type RouterOutputs } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { SaveActions } from '../../ui/SaveActions';
import { readAsBase64 } from '../../ui/readAsBase64';

type Info = RouterOutputs['organisations']['get'];
const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/svg+xml'] as const;

/** Organisation info (seed 001 "General"): admins edit name and logo, admins and billing admins the billing details. */
export function OrganisationPage({ organisation, limits }: { organisation: Organisation; limits: Limits }) {
  const info = trpc.organisations.get.useQuery({ organisationId: organisation.id });
  return (
    <>
      <div className="page-header">
        <h1>Organisation</h1>
      </div>
      <ErrorMessage error={info.error} />
      {info.isPending && <p className="loading">Loading…</p>}
      {info.data && (
        <>
          <GeneralCard info={info.data} editable={can(organisation, 'organisation.edit')} maxLogoBytes={limits.maxLogoBytes} />
          <BillingDetailsCard info={info.data} editable={can(organisation, 'billing.manage')} />
          {can(organisation, 'organisation.delete') && <DeleteCard info={info.data} />}
        </>
      )}
    </>
  );
}

function GeneralCard({ info, editable, maxLogoBytes }: { info: Info; editable: boolean; maxLogoBytes: number }) {
  const utils = trpc.useUtils();
  const [name, setName] = useState(info.name);
  const [saved, setSaved] = useState(false);
  const [logoProblem, setLogoProblem] = useState<string | null>(null);
  const update = trpc.organisations.update.useMutation({
    onSuccess: async (after) => {
      utils.organisations.get.setData({ organisationId: info.id }, after);
      setSaved(true);
      await utils.me.invalidate();
    },
  });
  async function chooseLogo(file: File | undefined) {
    setLogoProblem(null);
    if (!file) return;
    const contentType = LOGO_TYPES.find((t) => t === file.type);
    if (!contentType) return setLogoProblem('Choose a PNG, JPEG or SVG file.');
    if (file.size > maxLogoBytes) return setLogoProblem(`A logo can be at most ${Math.round(maxLogoBytes / 1024)} KB.`);
    update.mutate({ organisationId: info.id, logo: { contentType, data: await readAsBase64(file) } });
  }
  return (
    <section className="card" aria-labelledby="general-heading">
      <h2 id="general-heading">General</h2>
      <form
        className="form narrow"
        onSubmit={(event) => {
          event.preventDefault();
          setSaved(false);
          update.mutate({ organisationId: info.id, name: name.trim() });
        }}
      >
        <Field label="Name">{(control) => <input {...control} value={name} onChange={(e) => setName(e.target.value)} disabled={!editable} maxLength={100} required />}</Field>
        <div className="field">
          <span>Logo</span>
          {info.logo ? <img src={info.logo.dataUrl} alt={`${info.name} logo`} style={{ maxHeight: '3rem', maxWidth: '12rem' }} /> : <span className="muted">No logo</span>}
          {editable && (
            <span>
              <input type="file" aria-label="Upload a logo" accept={LOGO_TYPES.join(',')} onChange={(e) => void chooseLogo(e.target.files?.[0])} />
              {info.logo && (
                <button type="button" className="button small" onClick={() => update.mutate({ organisationId: info.id, logo: null })}>
                  Remove logo
                </button>
              )}
            </span>
          )}
          {logoProblem && (
            <p className="error" role="alert">
              {logoProblem}
            </p>
          )}
        </div>
        {editable ? <SaveActions mutation={update} saved={saved} submitLabel="Save" disabled={name.trim() === '' || name.trim() === info.name} /> : <p className="muted">Only organisation admins change these.</p>}
      </form>
    </section>
  );
}

function BillingDetailsCard({ info, editable }: { info: Info; editable: boolean }) {
  const utils = trpc.useUtils();
  const [billingEmail, setBillingEmail] = useState(info.billingEmail ?? '');
  const [billingAddress, setBillingAddress] = useState(info.billingAddress ?? '');
  const [taxId, setTaxId] = useState(info.taxId ?? '');
  const [saved, setSaved] = useState(false);
  const update = trpc.organisations.updateBillingDetails.useMutation({
    onSuccess: (after) => {
      utils.organisations.get.setData({ organisationId: info.id }, after);
      setSaved(true);
    },
  });
  const orNull = (value: string) => (value.trim() === '' ? null : value.trim());
  return (
    <section className="card" aria-labelledby="billing-details-heading">
      <h2 id="billing-details-heading">Billing details</h2>
      <form
        className="form narrow"
        onSubmit={(event) => {
          event.preventDefault();
          setSaved(false);
          update.mutate({ organisationId: info.id, billingEmail: orNull(billingEmail), billingAddress: orNull(billingAddress), taxId: orNull(taxId) });
        }}
      >
        <Field label="Billing email">{(control) => <input {...control} type="email" value={billingEmail} onChange={(e) => setBillingEmail(e.target.value)} disabled={!editable} />}</Field>
        <Field label="Billing address">{(control) => <textarea {...control} rows={3} value={billingAddress} onChange={(e) => setBillingAddress(e.target.value)} disabled={!editable} maxLength={500} />}</Field>
        <Field label="Tax id" hint="For example FR 12 345678901.">
          {(control) => <input {...control} value={taxId} onChange={(e) => setTaxId(e.target.value)} disabled={!editable} maxLength={32} />}
        </Field>
        {editable ? <SaveActions mutation={update} saved={saved} submitLabel="Save billing details" /> : <p className="muted">Admins and billing admins change these.</p>}
      </form>
    </section>
  );
}

function DeleteCard({ info }: { info: Info }) {
  const utils = trpc.useUtils();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const remove = trpc.organisations.delete.useMutation({ onSuccess: () => utils.me.invalidate() });
  return (
    <section className="card" aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete organisation</h2>
      <p>Its members lose access at once. Admins can restore it for 7 days; after that everything in it is deleted for good and its subscription is cancelled.</p>
      <button className="button danger" onClick={() => setOpen(true)}>
        Delete organisation…
      </button>
      {open && (
        <Dialog title={`Delete ${info.name}`} onClose={() => setOpen(false)}>
          <form
            className="form"
            onSubmit={(event) => {
              event.preventDefault();
              remove.mutate({ organisationId: info.id, confirmName: typed });
            }}
          >
            <Field label={`Type ${info.name} to confirm`}>{(control) => <input {...control} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />}</Field>
            <DialogActions mutation={remove} submitLabel="Delete organisation" pendingLabel="Deleting…" onCancel={() => setOpen(false)} disabled={typed.trim() !== info.name} danger />
          </form>
        </Dialog>
      )}
    </section>
  );
}
