import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from '@steward/api';

export interface StewardClientOptions {
  /** Where Steward is served, e.g. https://steward.example.org */
  baseUrl: string;
  /** A `pai_…` API key; requests act for its owner with the lower of key scope and owner role. */
  apiKey: string;
  fetch?: typeof globalThis.fetch;
}

/** The typed client for internal tools: the same procedures as the console, authenticated by key, no cookies. */
export function createStewardClient(options: StewardClientOptions) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: new URL('/trpc', options.baseUrl).href,
        maxItems: 10,
        headers: () => ({ authorization: `Bearer ${options.apiKey}` }),
        fetch: options.fetch,
      }),
    ],
  });
}
export type StewardClient = ReturnType<typeof createStewardClient>;
