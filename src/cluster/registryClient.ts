// The registry's HTTP API (registryHttp.ts) as a Directory, for servers and gateways in other
// processes. Refusals come back as the same RegistryError codes the local Registry throws;
// an unreachable registry, or one that answers 5xx without a code, is `unavailable`.

import type { Directory, Registration } from './directory.js';
import { RegistryError, type HeartbeatInput, type RegisterInput, type RegistryErrorCode, type ServerInfo, type ServerType } from './registry.js';

export interface RegistryClientOptions {
  /** This server's own key, sent as `Authorization: Bearer <key>` (writes need it on a keyed registry). */
  key?: string;
  /** Per request. Default 5 s. */
  timeoutMs?: number;
}

const CODES: readonly RegistryErrorCode[] = ['invalid', 'not_found', 'conflict', 'full', 'unauthorized', 'forbidden', 'unavailable'];

/** The code of an error answer: the one the registry named, else one read from the status. */
function codeOf(status: number, named: unknown): RegistryErrorCode {
  if (typeof named === 'string' && (CODES as readonly string[]).includes(named)) return named as RegistryErrorCode;
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  return status >= 500 ? 'unavailable' : 'invalid';
}

export class RegistryClient implements Directory {
  private readonly base: string;

  /** `baseUrl` like 'http://127.0.0.1:7000' (plus any prefix the registry is mounted under). */
  constructor(baseUrl: string, private readonly options: RegistryClientOptions = {}) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.key !== undefined) headers.authorization = `Bearer ${this.options.key}`;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
    } catch (e) {
      throw new RegistryError('unavailable', `registry ${this.base} unreachable: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw new RegistryError(res.ok ? 'unavailable' : codeOf(res.status, undefined), `registry answered ${res.status} without JSON`);
    }
    if (!res.ok) {
      const j = json as { error?: unknown; field?: unknown; reason?: unknown };
      throw new RegistryError(codeOf(res.status, j.reason), String(j.error ?? `HTTP ${res.status}`), typeof j.field === 'string' ? j.field : undefined);
    }
    return json as T;
  }

  register(input: RegisterInput): Promise<Registration> {
    return this.call('POST', '/register', input);
  }

  async heartbeat(id: string, stats: HeartbeatInput): Promise<ServerInfo> {
    return (await this.call<{ server: ServerInfo }>('POST', '/heartbeat', { id, ...stats })).server;
  }

  async deregister(id: string): Promise<void> {
    await this.call('POST', '/deregister', { id });
  }

  async query(type: ServerType): Promise<ServerInfo[]> {
    return (await this.call<{ servers: ServerInfo[] }>('POST', '/query', { type })).servers;
  }

  list(): Promise<ServerInfo[]> {
    return this.call<ServerInfo[]>('GET', '/servers');
  }
}
