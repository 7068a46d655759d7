import { useState } from 'react';
import { navigate } from '../../routes';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';

/** A new organisation, made by whoever is signed in; they become its admin. */
export function CreateOrganisationPage({ first }: { first: boolean }) {
  const utils = trpc.useUtils();
  const [name, setName] = useState('');
  const create = trpc.organisations.create.useMutation({
    onSuccess: async (created) => {
      await utils.me.invalidate();
      navigate(`/orgs/${created.id}`);
    },
  });
  return (
    <>
      <div className="page-header">
        <h1>{first ? 'Create your organisation' : 'New organisation'}</h1>
      </div>
      {first && <p>You are not a member of any organisation yet. Create one (you will be its admin), or ask an administrator to invite you.</p>}
      <form
        className="form narrow"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ name: name.trim() });
        }}
      >
        <Field label="Organisation name">{(control) => <input {...control} value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required />}</Field>
        <ErrorMessage error={create.error} />
        <div className="dialog-actions start">
          <button type="submit" className="button primary" disabled={create.isPending || name.trim() === ''}>
            {create.isPending ? 'Creating…' : 'Create organisation'}
          </button>
        </div>
      </form>
    </>
  );
}
