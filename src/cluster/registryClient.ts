// HTTP client of the registry API, for servers in other processes (register, heartbeat,
// deregister) and for a gateway whose master runs elsewhere (query: it is a ServerDirectory).

import type { ServerDirectory } from './gateway.js';
import type { HeartbeatInput, RegisterInput, ServerInfo, ServerType } from './registry.js';

/** The registry answered with an error status (or not at all: status 0). */
export class RegistryClientError extends Error {
  override name = 'RegistryClientError';
  constructor(readonly status: number, message: string, readonly field?: string) {
    super(message);
  }
}

export interface RegistryClientOptions {
  /** Sent as `Authorization: Bearer <secret>` when the registry requires one. */
  secret?: string;
  /** Per request. Default 5 s. */
  timeoutMs?: number;
}

export class RegistryClient implements ServerDirectory {
  private readonly base: string;

  /** `baseUrl` like 'http://127.0.0.1:7000' (plus any prefix the registry is mounted under). */
  constructor(baseUrl: string, private readonly options: RegistryClientOptions = {}) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.secret !== undefined) headers.authorization = `Bearer ${this.options.secret}`;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
    } catch (e) {
      throw new RegistryClientError(0, `registry ${this.base} unreachable: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw new RegistryClientError(res.status, `registry answered ${res.status} without JSON`);
    }
    if (!res.ok) {
      const j = json as { error?: unknown; field?: unknown };
      throw new RegistryClientError(res.status, String(j.error ?? `HTTP ${res.status}`), typeof j.field === 'string' ? j.field : undefined);
    }
    return json as T;
  }

  register(input: RegisterInput): Promise<{ id: string; timeoutMs: number }> {
    return this.call('POST', '/register', input);
  }

  async heartbeat(id: string, stats: HeartbeatInput): Promise<ServerInfo> {
    return (await this.call<{ server: ServerInfo }>('POST', '/heartbeat', { id, ...stats })).server;
  }

  /** `now` is the registry's own clock; the argument only fits ServerDirectory. */
  async query(type: ServerType, _now?: number): Promise<ServerInfo[]> {
    return (await this.call<{ servers: ServerInfo[] }>('POST', '/query', { type })).servers;
  }

  async deregister(id: string): Promise<void> {
    await this.call('POST', '/deregister', { id });
  }

  async servers(): Promise<ServerInfo[]> {
    return this.call<ServerInfo[]>('GET', '/servers');
  }
}
