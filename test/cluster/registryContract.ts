// The Directory contract: one suite, run over every implementation (registryLocal.test.ts: the
// Registry in this process; registryHttp.test.ts: RegistryClient against the HTTP API on a
// real uWS server). Each test gets a fresh registry provisioned with KEYS, a clock it moves by
// hand, and directories holding a chosen key (or none).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryError, type Directory, type RegisterInput, type ServerInfo } from '../../src/cluster/index.js';
import type { FakeClock } from './helpers.js';

export const KEYS = {
  'zone-1': 'zone-1-key-0123456789abcdef',
  'zone-2': 'zone-2-key-0123456789abcdef',
  'chat-1': 'chat-1-key-0123456789abcdef',
} as const;

export interface DirectoryHarness {
  readonly clock: FakeClock;
  /** A directory speaking with `key` (undefined: no key at all). */
  as(key: string | undefined): Directory;
  dispose?(): Promise<void> | void;
}

/** Makes a fresh registry with these server keys and a way to reach it. */
export type MakeHarness = (serverKeys: Record<string, string>) => Promise<DirectoryHarness>;

function zone(id: keyof typeof KEYS, port: number, extra: Partial<RegisterInput> = {}): RegisterInput {
  return { id, type: 'zone', host: '127.0.0.1', port, region: 'eu', capacity: 100, ...extra };
}

async function refusal(p: Promise<unknown>): Promise<RegistryError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RegistryError);
    return e as RegistryError;
  }
  throw new Error('expected a RegistryError');
}

export function directoryContract(name: string, make: MakeHarness): void {
  describe(`Directory contract: ${name}`, () => {
    let h: DirectoryHarness;
    let zone1: Directory, zone2: Directory, chat1: Directory, anonymous: Directory;
    beforeEach(async () => {
      h = await make({ ...KEYS });
      [zone1, zone2, chat1, anonymous] = [h.as(KEYS['zone-1']), h.as(KEYS['zone-2']), h.as(KEYS['chat-1']), h.as(undefined)];
    });
    afterEach(async () => {
      await h.dispose?.();
    });

    it('register → heartbeat → query → list → deregister, with the same shapes', async () => {
      const t0 = h.clock.t;
      expect(await zone1.register(zone('zone-1', 7001))).toEqual({ id: 'zone-1', timeoutMs: 30_000 });
      await zone2.register(zone('zone-2', 7002, { capacity: 10 }));
      h.clock.advance(1000);
      const info = await zone1.heartbeat('zone-1', { load: 12, players: 12, cpu: 30, memoryMB: 120, zones: ['meadow'] });
      const expected: ServerInfo = {
        id: 'zone-1', type: 'zone', host: '127.0.0.1', port: 7001, region: 'eu', capacity: 100, load: 12, players: 12,
        cpu: 30, memoryMB: 120, zones: ['meadow'], registeredAt: t0, lastHeartbeat: t0 + 1000, active: true,
      };
      expect(info).toEqual(expected);
      await zone2.heartbeat('zone-2', { load: 5 }); // 5/10 is fuller than 12/100
      expect((await anonymous.query('zone')).map((s) => s.id)).toEqual(['zone-1', 'zone-2']);
      expect(await anonymous.query('chat')).toEqual([]);
      const listed = await anonymous.list();
      expect(listed.map((s) => s.id)).toEqual(['zone-1', 'zone-2']);
      expect(listed[0]).toEqual(expected);
      await zone2.deregister('zone-2');
      expect((await anonymous.list()).map((s) => s.id)).toEqual(['zone-1']);
    });

    it('an active server goes inactive timeoutMs after its last heartbeat', async () => {
      await chat1.register({ id: 'chat-1', type: 'chat', host: 'chat.local', port: 9000, capacity: 5 });
      h.clock.advance(29_999);
      expect((await anonymous.query('chat')).map((s) => s.id)).toEqual(['chat-1']);
      h.clock.advance(1);
      expect(await anonymous.query('chat')).toEqual([]);
      expect(await anonymous.list()).toEqual([expect.objectContaining({ id: 'chat-1', active: false })]);
      await chat1.heartbeat('chat-1', { load: 1 });
      expect((await anonymous.query('chat')).map((s) => s.id)).toEqual(['chat-1']);
    });

    it('refuses bad input and unknown ids with the same codes and fields', async () => {
      expect(await refusal(zone1.register(zone('zone-1', 0)))).toMatchObject({ code: 'invalid', field: 'port' });
      expect(await refusal(zone1.register({ ...zone('zone-1', 7001), type: 'lobby' as never }))).toMatchObject({ code: 'invalid', field: 'type' });
      expect(await refusal(zone1.heartbeat('zone-1', { load: 1 }))).toMatchObject({ code: 'not_found', field: 'id' });
      await zone1.register(zone('zone-1', 7001));
      expect(await refusal(zone1.heartbeat('zone-1', { load: -1 }))).toMatchObject({ code: 'invalid', field: 'load' });
      expect(await refusal(anonymous.query('lobby' as never))).toMatchObject({ code: 'invalid', field: 'type' });
      await zone1.deregister('zone-1');
      expect(await refusal(zone1.deregister('zone-1'))).toMatchObject({ code: 'not_found' });
    });

    it('only the holder of an id\'s key may register, heartbeat or deregister it', async () => {
      await zone1.register(zone('zone-1', 7001));
      // The attack: re-register zone-1 at another port, without a key, with zone-2's, anonymously.
      expect(await refusal(anonymous.register(zone('zone-1', 6666)))).toMatchObject({ code: 'unauthorized' });
      expect(await refusal(zone2.register(zone('zone-1', 6666)))).toMatchObject({ code: 'forbidden', field: 'id' });
      expect(await refusal(h.as('not-any-servers-key-000').register(zone('zone-1', 6666)))).toMatchObject({ code: 'forbidden' });
      const { id: _, ...noId } = zone('zone-1', 6666);
      expect(await refusal(zone2.register(noId))).toMatchObject({ code: 'forbidden', field: 'id' });
      // An id nobody was given a key for.
      expect(await refusal(zone2.register({ ...zone('zone-2', 6666), id: 'zone-9' }))).toMatchObject({ code: 'forbidden' });
      // Nor may another key mark it loaded, or remove it.
      expect(await refusal(zone2.heartbeat('zone-1', { load: 99 }))).toMatchObject({ code: 'forbidden' });
      expect(await refusal(anonymous.heartbeat('zone-1', { load: 99 }))).toMatchObject({ code: 'unauthorized' });
      expect(await refusal(zone2.deregister('zone-1'))).toMatchObject({ code: 'forbidden' });
      expect(await refusal(anonymous.deregister('zone-1'))).toMatchObject({ code: 'unauthorized' });
      expect(await anonymous.list()).toEqual([expect.objectContaining({ id: 'zone-1', port: 7001, load: 0 })]);
      // The owner restarting on a new port is a re-registration.
      expect((await zone1.register(zone('zone-1', 7101))).id).toBe('zone-1');
      expect((await anonymous.query('zone')).map((s) => [s.id, s.port])).toEqual([['zone-1', 7101]]);
    });
  });
}
