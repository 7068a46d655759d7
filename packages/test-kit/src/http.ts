/**
 * A tiny cookie-keeping HTTP client: what a browser does for one person, without a browser.
 * Sends the app's Origin on state-changing requests unless told otherwise.
 */
export class HttpAgent {
  private readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  hasCookie(name: string): boolean {
    return this.cookies.has(name);
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string) {
    this.cookies.set(name, value);
  }

  clearCookies() {
    this.cookies.clear();
  }

  private remember(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(
    path: string,
    init: RequestInit & { origin?: string | null; json?: unknown; form?: Record<string, string> } = {},
  ): Promise<Response> {
    const url = new URL(path, this.baseUrl);
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0 && url.origin === new URL(this.baseUrl).origin) headers.set('cookie', this.cookieHeader());
    const method = (init.method ?? (init.json !== undefined || init.form ? 'POST' : 'GET')).toUpperCase();
    if (method !== 'GET' && method !== 'HEAD' && init.origin !== null && !headers.has('origin')) {
      headers.set('origin', init.origin ?? new URL(this.baseUrl).origin);
    }
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    } else if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(url, { ...init, method, headers, body, redirect: 'manual' });
    if (url.origin === new URL(this.baseUrl).origin) this.remember(response);
    return response;
  }

  /** Follows redirects by hand, keeping cookies of the app's origin, and returns the last response. */
  async follow(path: string, maxHops = 10): Promise<{ response: Response; url: string }> {
    let current = new URL(path, this.baseUrl).href;
    for (let hop = 0; hop < maxHops; hop++) {
      const response = await this.request(current);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { response, url: current };
      current = new URL(location, current).href;
    }
    throw new Error(`Too many redirects from ${path}`);
  }

  /** Calls a tRPC procedure the way @trpc/client does (no batching) and returns the parsed body. */
  async trpc<T = unknown>(procedure: string, input?: unknown, kind: 'query' | 'mutation' = 'query'): Promise<TrpcResult<T>> {
    const response =
      kind === 'query'
        ? await this.request(`/trpc/${procedure}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`)
        : await this.request(`/trpc/${procedure}`, { method: 'POST', json: input ?? null });
    const text = await response.text();
    const body = JSON.parse(text) as { result?: { data: T }; error?: TrpcErrorBody };
    return { status: response.status, text, data: body.result?.data as T, error: body.error ?? null };
  }
}

export interface TrpcErrorBody {
  message: string;
  code: number;
  data: { code: string; httpStatus: number; issues?: { path: string; message: string }[]; stack?: string };
}

export interface TrpcResult<T> {
  status: number;
  text: string;
  data: T;
  error: TrpcErrorBody | null;
}
