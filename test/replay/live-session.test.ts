// The example of the test API ("bug report" in README): a real `mmo zone --record` with real
// WebSocket players on it, stopped, and then tests written against its recording through the
// package's own entry point, the way a user writes them.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRecording } from 'mmo-zone-server/replay';
import { ZoneClient } from '../../src/client/index.js';
import { startZone, stopChild } from './helpers.js';

const file = join(mkdtempSync(join(tmpdir(), 'mmo-live-')), 'session.replay');
const DEST = { x: 520, y: 480 };
let zone: Awaited<ReturnType<typeof startZone>> | undefined;

async function until<T>(what: string, fn: () => T | undefined | false): Promise<T> {
  for (let i = 0; i < 3000; i++) {
    const v = fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

beforeAll(async () => {
  zone = await startZone(['--record', file, '--no-db', '--seed', '42']);
  const players: ZoneClient[] = [];
  for (const name of ['alice', 'bob', 'carol']) {
    const c = new ZoneClient({ name, WebSocket: WebSocket as never });
    await c.connect(`ws://127.0.0.1:${zone.port}/`);
    players.push(c);
  }
  const [alice, bob, carol] = players;
  alice.move(DEST.x, DEST.y);
  bob.move(DEST.x + 5, DEST.y);
  carol.chat('hello from carol');
  // Until alice sees herself standing at her destination.
  await until('alice arriving', () => {
    const r = alice.world.get(alice.netId)?.record;
    return r && (r.flags & 2) === 0 && Math.abs(r.x - DEST.x) < 0.01 && Math.abs(r.y - DEST.y) < 0.01;
  });
  carol.close();
  await until('carol gone', () => !bob.world.get(carol.netId));
  await stopChild(zone.child, 'SIGTERM'); // a graceful stop closes the recording
  for (const c of [alice, bob]) c.close();
}, 120_000);

afterAll(async () => { if (zone) await stopChild(zone.child, 'SIGKILL'); });

describe('a test written against a recorded live session', () => {
  it('replays to the end with every tick matching', () => {
    const session = openRecording(file);
    const result = session.run();
    expect(result.divergence).toBeUndefined();
    expect(result.truncated).toBeUndefined();
    expect(result.lastTick).toBe(session.lastTick);
  });

  it('steps to a tick and reads a player\'s state: alice walks to where she was sent', () => {
    const session = openRecording(file);
    // The tick alice's move was applied: the first tick with a move from her session.
    let moveTick = 0;
    while (!moveTick && session.tick < session.lastTick) {
      session.step();
      const alice = session.player('alice');
      if (alice && session.inputsAt(session.tick).some((i) => i.type === 'move' && i.session === alice.components.Player.session)) moveTick = session.tick;
    }
    expect(moveTick).toBeGreaterThan(0);
    const start = session.player('alice')!;
    expect(start.kind).toBe('player');
    expect(start.components.Motion).toMatchObject({ tx: DEST.x, ty: DEST.y, active: 1 });
    session.run();
    const end = session.player('alice')!;
    expect(end.components.Position).toEqual({ x: DEST.x, y: DEST.y });
    expect(end.components.Motion.active).toBe(0);
    expect(session.player('carol')).toBeUndefined(); // she left before the end
    expect(session.entities('player').map((p) => p.name).sort()).toEqual(['alice', 'bob']);
  });

  it('finds carol\'s chat among the recorded inputs', () => {
    const session = openRecording(file);
    const ticks = session.recording.ticks.filter((t) => t.in.some((i) => i.type === 'chat' && i.text === 'hello from carol'));
    expect(ticks).toHaveLength(1);
    expect(session.stepTo(ticks[0].t)).toBe(true);
    expect(session.world.events.some((e) => e.text === 'hello from carol')).toBe(true);
  });
});
