import { SecretOnceDialog } from '../../ui/SecretOnceDialog';

/** The full key, shown once. Nothing keeps it after this dialog closes. */
export function NewApiKeyDialog(props: { apiKey: string; name: string; onClose: () => void }) {
  return (
    <SecretOnceDialog
      title="API key created"
      notice="This is the only time the key is shown. Steward keeps only a fingerprint of it and cannot show it again."
      secret={props.apiKey}
      secretLabel="New API key"
      onClose={props.onClose}
    >
      <p>
        The key <strong>{props.name}</strong> is ready. Copy it now and keep it somewhere safe.
      </p>
    </SecretOnceDialog>
  );
}
