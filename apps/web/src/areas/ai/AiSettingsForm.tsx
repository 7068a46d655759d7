import { useState } from 'react';
import { ChoiceField, Field, SecretField } from '../../ui/Field';
import { SaveActions } from '../../ui/SaveActions';
import { AI_PROVIDER_LABELS, AI_PROVIDERS, type AiProvider, type AiSettings, MODEL_PLACEHOLDERS } from './aiLabels';

export interface AiSettingsValues {
  provider: AiProvider;
  model: string;
  baseUrl: string | null;
  apiKey?: string;
}

/** What is saved, in a few facts: the key only ever as its last four characters. */
export function AiSettingsFacts({ settings }: { settings: AiSettings }) {
  return (
    <dl className="facts">
      <dt>Provider</dt>
      <dd>{AI_PROVIDER_LABELS[settings.provider]}</dd>
      <dt>Model</dt>
      <dd>
        <code>{settings.model}</code>
      </dd>
      <dt>Base URL</dt>
      <dd>{settings.baseUrl ? <code>{settings.baseUrl}</code> : <span className="muted">The provider’s own</span>}</dd>
      <dt>API key</dt>
      <dd>{settings.apiKey.mask ? <code className="mask">{settings.apiKey.mask}</code> : <span className="muted">None</span>}</dd>
    </dl>
  );
}

/**
 * Provider, model, base URL and a new key. The saved key is never sent to the console: the key box
 * only ever holds a replacement being typed, and the server keeps the saved one only while the
 * provider and base URL stay the same.
 */
export function AiSettingsForm(props: {
  settings: AiSettings | null;
  mutation: { isPending: boolean; error: { message: string } | null };
  saved: boolean;
  disabled?: boolean;
  onSave: (values: AiSettingsValues) => void;
  onEdit: () => void;
}) {
  const [provider, setProvider] = useState<AiProvider>(props.settings?.provider ?? 'openai');
  const [model, setModel] = useState(props.settings?.model ?? '');
  const [baseUrl, setBaseUrl] = useState(props.settings?.baseUrl ?? '');
  const [apiKey, setApiKey] = useState('');
  const edit = <T,>(set: (value: T) => void) => (value: T) => {
    set(value);
    props.onEdit();
  };
  const keyKept = props.settings?.apiKey.mask && props.settings.provider === provider && (props.settings.baseUrl ?? '') === baseUrl.trim();
  return (
    <form
      className="form narrow"
      onSubmit={(event) => {
        event.preventDefault();
        props.onSave({ provider, model: model.trim(), baseUrl: baseUrl.trim() || null, ...(apiKey.trim() ? { apiKey: apiKey.trim() } : {}) });
        setApiKey('');
      }}
    >
      <fieldset disabled={props.disabled} className="plain">
        <ChoiceField label="Provider" value={provider} choices={AI_PROVIDERS} labels={AI_PROVIDER_LABELS} onChange={edit(setProvider)} />
        <Field label="Model" hint="The provider’s name for the model.">
          {(control) => <input {...control} required maxLength={200} value={model} placeholder={MODEL_PLACEHOLDERS[provider]} onChange={(e) => edit(setModel)(e.target.value)} />}
        </Field>
        <Field
          label={provider === 'openai_compatible' ? 'Base URL' : 'Base URL (optional)'}
          hint={provider === 'openai_compatible' ? 'Where the server’s OpenAI-style API is, e.g. http://localhost:11434/v1.' : 'Leave empty for the provider’s own address.'}
        >
          {(control) => (
            <input {...control} type="url" required={provider === 'openai_compatible'} maxLength={500} value={baseUrl} onChange={(e) => edit(setBaseUrl)(e.target.value)} />
          )}
        </Field>
        <SecretField
          label={keyKept ? 'New API key' : provider === 'openai_compatible' ? 'API key (if the server needs one)' : 'API key'}
          hint={
            keyKept
              ? 'Leave empty to keep the saved key. Keys are stored encrypted and never shown again.'
              : 'Stored encrypted and never shown again. A saved key is only ever sent to the provider and address it was saved for.'
          }
          required={!keyKept && provider !== 'openai_compatible'}
          value={apiKey}
          onChange={edit(setApiKey)}
        />
        <SaveActions mutation={props.mutation} saved={props.saved} submitLabel="Save AI settings" disabled={props.disabled} />
      </fieldset>
    </form>
  );
}
