// The one way anything talks to the server registry: register, heartbeat, deregister, query,
// list. Two implementations answer with the same shapes and the same RegistryError codes:
// LocalDirectory (the Registry in this process) and RegistryClient (its HTTP API elsewhere).
// A directory speaks for one holder: the `key` it was made with is that server's own key,
// which the registry checks on every write when it has `serverKeys`.

import { Registry, type HeartbeatInput, type RegisterInput, type ServerInfo, type ServerType } from './registry.js';

/** What a registration returns: the server's id and how long it stays active without a heartbeat. */
export interface Registration {
  id: string;
  timeoutMs: number;
}

export interface Directory {
  /** Registers (or re-registers, with its id) a server. */
  register(input: RegisterInput): Promise<Registration>;
  /** Records a server's load; it stays active for timeoutMs. */
  heartbeat(id: string, stats: HeartbeatInput): Promise<ServerInfo>;
  deregister(id: string): Promise<void>;
  /** Active servers of a type, least loaded (load / capacity) first, ties by id. */
  query(type: ServerType): Promise<ServerInfo[]>;
  /** Every server, active or not, by id. */
  list(): Promise<ServerInfo[]>;
}

export interface LocalDirectoryOptions {
  /** The holder's server key (needed for writes when the registry has serverKeys). */
  key?: string;
  /** Default Date.now. */
  clock?: () => number;
}

/** The Registry of this process as a Directory: reads its clock once per call. */
export class LocalDirectory implements Directory {
  private readonly clock: () => number;

  constructor(readonly registry: Registry, private readonly options: LocalDirectoryOptions = {}) {
    this.clock = options.clock ?? Date.now;
  }

  // Async so that a refusal is a rejected promise, as from RegistryClient, never a throw.
  async register(input: RegisterInput): Promise<Registration> {
    return { id: this.registry.register(input, this.clock(), this.options.key), timeoutMs: this.registry.timeoutMs };
  }

  async heartbeat(id: string, stats: HeartbeatInput): Promise<ServerInfo> {
    return this.registry.heartbeat(id, stats, this.clock(), this.options.key);
  }

  async deregister(id: string): Promise<void> {
    this.registry.deregister(id, this.options.key);
  }

  async query(type: ServerType): Promise<ServerInfo[]> {
    return this.registry.query(type, this.clock());
  }

  async list(): Promise<ServerInfo[]> {
    return this.registry.servers(this.clock());
  }
}
