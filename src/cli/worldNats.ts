// Who may say what to whom on a world's bus, and `mmo nats-config` for operators who run their
// own nats-server.
//
// Each zone server is one NATS user (its server id) with a random password. It may publish only
// under `mmo.from.<its id>.>` and subscribe only to its own zone's subjects (`zone.<id>.>`:
// transfers to it and acks of its transfers) and global chat, from any sender. So a zone can
// neither speak as another nor read another zone's transfers. The master (registry + gateway)
// does not use the bus.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { natsServerConfig, natsUser, type NatsUser } from '../bus/index.js';
import { credentialsFileText, writeOwnerOnlyFile, type NatsCredentials } from './secrets.js';
import type { WorldLayout } from './world.js';

/** What zone `zoneId` subscribes to: its handoff subjects (zone/handoff.ts) and global chat. */
export function zoneSubscriptions(zoneId: number): string[] {
  return [`zone.${zoneId}.>`, 'chat.global.*'];
}

/** One NATS user per zone server of the layout, each with a fresh password. */
export function worldNatsUsers(layout: WorldLayout): NatsUser[] {
  return layout.zones.map((z) => natsUser(z.serverId, zoneSubscriptions(z.zoneId)));
}

/** The credentials a server connects with. */
export function credentialsOf(users: readonly NatsUser[], serverId: string): NatsCredentials {
  const u = users.find((x) => x.user === serverId);
  if (!u) throw new Error(`no NATS user for ${serverId}`);
  return { user: u.user, pass: u.password };
}

export interface NatsConfigOptions {
  layout: WorldLayout;
  /** Directory to write into (created 0700 if missing). */
  out: string;
  host: string;
  port: number;
}

/**
 * Writes `nats-server.conf` and one `<server id>.json` credentials file per zone server, all
 * 0600; refuses to overwrite. Returns the paths written.
 */
export function writeNatsConfig(o: NatsConfigOptions): string[] {
  mkdirSync(o.out, { recursive: true, mode: 0o700 });
  const users = worldNatsUsers(o.layout);
  const written = [join(o.out, 'nats-server.conf')];
  writeOwnerOnlyFile(written[0], natsServerConfig({ host: o.host, port: o.port, users }));
  for (const u of users) {
    const file = join(o.out, `${u.user}.json`);
    writeOwnerOnlyFile(file, credentialsFileText(u.user, u.password));
    written.push(file);
  }
  return written;
}
