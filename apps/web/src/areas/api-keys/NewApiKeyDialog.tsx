import { useState } from 'react';
import { Dialog } from '../../ui/Dialog';

/** The full key, shown once. Nothing keeps it after this dialog closes. */
export function NewApiKeyDialog(props: { apiKey: string; name: string; onClose: () => void }) {
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <Dialog title="API key created" onClose={props.onClose}>
      <div className="dialog-body">
        <p>
          The key <strong>{props.name}</strong> is ready. Copy it now and keep it somewhere safe.
        </p>
        <p className="banner">This is the only time the key is shown. Steward keeps only a fingerprint of it and cannot show it again.</p>
        <code className="secret" aria-label="New API key">
          {props.apiKey}
        </code>
        {copy === 'copied' && (
          <p className="success" role="status">
            Copied to the clipboard.
          </p>
        )}
        {copy === 'failed' && (
          <p className="error" role="alert">
            The browser did not allow copying. Select the key and copy it by hand.
          </p>
        )}
      </div>
      <div className="dialog-actions">
        <button
          type="button"
          className="button"
          onClick={() =>
            // Through a promise, so a browser without a clipboard (an insecure page) lands in 'failed' too.
            Promise.resolve()
              .then(() => navigator.clipboard.writeText(props.apiKey))
              .then(
                () => setCopy('copied'),
                () => setCopy('failed'),
              )
          }
        >
          Copy
        </button>
        <button type="button" className="button primary" onClick={props.onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}
