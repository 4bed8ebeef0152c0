// nats-server configuration for a bus: one user per server, each allowed to publish only under
// its own `<ns>.from.<serverId>.>` and to subscribe only to the application patterns it needs
// (from any sender). nats-server enforces both; the bus then takes a message's sender from its
// subject (subjects.ts). The file is JSON, which nats-server's config format accepts.

import { randomBytes } from 'node:crypto';

import { isServerId, publishPermission, subjectProblem, wirePattern } from './subjects.js';

/** What one server may do on the bus, and the password it proves it with. */
export interface NatsUser {
  /** The server id (also the NATS user name). */
  user: string;
  password: string;
  /** Application patterns it subscribes to, e.g. `zone.3.>`, `chat.global.*`. */
  subscribe: readonly string[];
}

/** A fresh random password (192 bits, base64url: no characters nats-server's parser treats specially). */
export function newNatsPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** A user for `serverId` with a fresh password. */
export function natsUser(serverId: string, subscribe: readonly string[]): NatsUser {
  if (!isServerId(serverId)) throw new RangeError(`not a server id: ${String(serverId)}`);
  for (const p of subscribe) {
    const problem = subjectProblem(p, true);
    if (problem !== null) throw new RangeError(`${serverId}: ${problem}`);
  }
  return { user: serverId, password: newNatsPassword(), subscribe };
}

/**
 * The whole nats-server config: where it listens, and the users with their permissions.
 * Without users, no authorization at all (only tests use that; `mmo world` always has users).
 */
export function natsServerConfig(o: { host: string; port: number; namespace?: string; users?: readonly NatsUser[] }): string {
  const ns = o.namespace ?? 'mmo';
  const config = {
    listen: `${o.host}:${o.port}`,
    authorization: o.users && {
      users: o.users.map((u) => ({
        user: u.user,
        password: u.password,
        permissions: {
          publish: { allow: [publishPermission(ns, u.user)] },
          subscribe: { allow: u.subscribe.map((p) => wirePattern(ns, p)) },
        },
      })),
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
