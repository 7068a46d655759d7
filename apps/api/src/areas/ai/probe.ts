import Anthropic from '@anthropic-ai/sdk';
import type { AiProvider } from '@steward/db';
import OpenAI from 'openai';

/** The connection in force for a place, with its key opened for this one use. */
export interface AiConnection {
  provider: AiProvider;
  model: string;
  baseUrl: string | null;
  apiKey: string | null;
}

export type AiProbeOutcome =
  | { ok: true; message: string }
  | { ok: false; failure: 'bad_key' | 'unknown_model' | 'unreachable' | 'refused'; message: string };

const PROVIDER_NAMES: Record<AiProvider, string> = { openai: 'OpenAI', anthropic: 'Anthropic', openai_compatible: 'The OpenAI-compatible server' };
// Explicit, so that OPENAI_BASE_URL / ANTHROPIC_BASE_URL in the server's environment never redirect a saved key.
const DEFAULT_BASE_URLS: Record<'openai' | 'anthropic', string> = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com' };
const TIMEOUT_MS = 10_000;

/** A client of the provider's official SDK for this connection (no retries: a person is waiting). */
export function aiClient(connection: AiConnection) {
  if (connection.provider === 'anthropic') {
    return { kind: 'anthropic' as const, client: new Anthropic({ apiKey: connection.apiKey ?? '', baseURL: connection.baseUrl ?? DEFAULT_BASE_URLS.anthropic, maxRetries: 0, timeout: TIMEOUT_MS }) };
  }
  return {
    kind: 'openai' as const,
    // A local server may take no key; the SDK insists on one, which such a server ignores.
    client: new OpenAI({ apiKey: connection.apiKey ?? 'no-key', baseURL: connection.baseUrl ?? DEFAULT_BASE_URLS.openai, maxRetries: 0, timeout: TIMEOUT_MS }),
  };
}

/**
 * A provider's own words about an error, without anything that could be the key (some echo it).
 * Only the message of a provider-shaped JSON error is repeated: whatever else answered at the base
 * URL (an admin's choice, possibly not a model server) is not relayed, only its status.
 */
function providerWords(error: { error?: unknown }, apiKey: string | null): string | null {
  const body = error.error as { error?: { message?: unknown }; message?: unknown } | undefined;
  const said = typeof body?.error?.message === 'string' ? body.error.message : typeof body?.message === 'string' ? body.message : null;
  if (said === null) return null;
  let words = said.slice(0, 300);
  if (apiKey) words = words.split(apiKey).join('[the key]');
  // Key-shaped words (sk-…, pai_…, long opaque tokens) go too, masked or not.
  return words.replace(/\b(sk|pai|key)[-_][\w\-*.]{4,}/gi, '[the key]').replace(/\b[\w-]{32,}\b/g, '[redacted]');
}

/**
 * Asks the provider whether the key and model work: the model is looked up (OpenAI, Anthropic),
 * or found in the models list of a compatible server that has no lookup. What it answered comes
 * back in plain words: a refused key, an unknown model, an unreachable server.
 */
export async function probeAiProvider(connection: AiConnection): Promise<AiProbeOutcome> {
  const name = PROVIDER_NAMES[connection.provider];
  const where = connection.baseUrl ?? DEFAULT_BASE_URLS[connection.provider === 'anthropic' ? 'anthropic' : 'openai'];
  const { kind, client } = aiClient(connection);
  try {
    if (kind === 'anthropic') {
      await client.models.retrieve(connection.model);
    } else {
      try {
        await client.models.retrieve(connection.model);
      } catch (error) {
        if (!(error instanceof OpenAI.NotFoundError)) throw error;
        // Some compatible servers list models but cannot look one up.
        const listed = await client.models.list();
        if (!listed.data.some((m) => m.id === connection.model)) throw error;
      }
    }
    return { ok: true, message: `${name} answered: the key works and the model "${connection.model}" is available.` };
  } catch (error) {
    if (error instanceof OpenAI.APIConnectionError || error instanceof Anthropic.APIConnectionError) {
      const timedOut = error instanceof OpenAI.APIConnectionTimeoutError || error instanceof Anthropic.APIConnectionTimeoutError;
      return { ok: false, failure: 'unreachable', message: `${name} could not be reached at ${where}${timedOut ? ' (no answer within 10 seconds)' : ''}. Check the base URL and that the server is running.` };
    }
    if (error instanceof OpenAI.APIError || error instanceof Anthropic.APIError) {
      const words = providerWords(error, connection.apiKey);
      if (words === null) {
        return {
          ok: false,
          failure: 'refused',
          message: `Something answered ${error.status ?? 'an error'} at ${where}, but not as ${connection.provider === 'anthropic' ? "Anthropic's" : 'an OpenAI-style'} API does. Check the base URL${connection.provider === 'anthropic' ? '' : ' (for a compatible server it usually ends in /v1)'}.`,
        };
      }
      if (error.status === 401 || error.status === 403) {
        return { ok: false, failure: 'bad_key', message: `${name} refused the API key (${error.status}: ${words}). Check the key and save it again.` };
      }
      if (error.status === 404) {
        return { ok: false, failure: 'unknown_model', message: `${name} does not know the model "${connection.model}" (404: ${words}). Check the model's name.` };
      }
      return { ok: false, failure: 'refused', message: `${name} answered ${error.status ?? 'with an error'}: ${words}` };
    }
    throw error;
  }
}
