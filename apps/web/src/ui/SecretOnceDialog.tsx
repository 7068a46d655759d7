import { useState } from 'react';
import { Dialog } from './Dialog';

/**
 * A secret shown once (an API key, a webhook's signing secret), with a Copy button that says whether
 * the browser allowed it. Nothing keeps the secret after this dialog closes.
 */
export function SecretOnceDialog(props: { title: string; children: React.ReactNode; notice: string; secret: string; secretLabel: string; onClose: () => void }) {
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <div className="dialog-body">
        {props.children}
        <p className="banner">{props.notice}</p>
        <code className="secret" aria-label={props.secretLabel}>
          {props.secret}
        </code>
        {copy === 'copied' && (
          <p className="success" role="status">
            Copied to the clipboard.
          </p>
        )}
        {copy === 'failed' && (
          <p className="error" role="alert">
            The browser did not allow copying. Select it and copy it by hand.
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
              .then(() => navigator.clipboard.writeText(props.secret))
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
