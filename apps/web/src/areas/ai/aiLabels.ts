import type { RouterInputs, RouterOutputs } from '../../trpc';

export type AiProvider = RouterInputs['ai']['save']['provider'];
export type AiSettings = NonNullable<RouterOutputs['ai']['get']['settings']>;

/** Typed by the router, so a new provider fails the build until it has a label here. */
export const AI_PROVIDER_LABELS: Record<AiProvider, string> = {
  openai: 'OpenAI',
  anthropic: 'Anthropic',
  openai_compatible: 'OpenAI-compatible server (e.g. a local model server)',
};
export const AI_PROVIDERS = Object.keys(AI_PROVIDER_LABELS) as AiProvider[];

export const MODEL_PLACEHOLDERS: Record<AiProvider, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-sonnet-4-5', openai_compatible: 'llama3' };
