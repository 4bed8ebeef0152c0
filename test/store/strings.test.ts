// Hostile and non-ASCII strings go in and come out byte for byte, through both threads, in every
// text column a client can influence: player, account, guild and stat names, zone names.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlayerStore, WriteBehind, WorkerWriter } from '../../src/store/index.js';
import { SPAWN, otherConnection, tempStore } from './helpers.js';

const NASTY: readonly string[] = [
  "O'Brien",
  'say "hi" and `tick`',
  "'; DROP TABLE players; --",
  "Robert'); DROP TABLE guilds;--",
  '" OR 1=1 --',
  '\\ back\\slash %_ like-wildcards ?1 :name @p $x',
  '😀🎮 emoji 👩‍👩‍👧‍👦 flags 🇫🇷🇯🇵',
  'مرحبا بالعالم (RTL)',
  'שלום \u202Eoverride\u202C \u200F',
  'Z̴̡̛͎a̶̰͝l̸̙̔g̷̣͝o̵̞͠ combining',
  'e\u0301', // NFD é
  '\u00e9', // NFC é: a different name
  'tab\there\nnew line\r\n',
  '\u{10FFFF}\u{1D11E}\uFEFF\u200B zero-width',
  ' leading and trailing ',
  'x'.repeat(256),
  '😀'.repeat(256),
  'ﷺ'.repeat(256),
];

const { file } = tempStore('strings');
let path: string;
let store: PlayerStore;

beforeAll(() => {
  path = file('strings.db');
  store = PlayerStore.open(path);
});
afterAll(() => store.close());

/** The UTF-8 bytes SQLite holds, read by another connection. */
function storedHex(sql: string, key: number | string): string {
  const db = otherConnection(path);
  try {
    return (db.prepare(sql).get(key) as { h: string }).h;
  } finally {
    db.close();
  }
}
const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();

describe('strings round-trip verbatim', () => {
  it('has the cases the brief asks for', () => {
    expect(NASTY).toContain("'; DROP TABLE players; --");
    expect([...NASTY[NASTY.length - 2]].length).toBe(256);
    expect(NASTY.every((s) => !s.includes('\0'))).toBe(true);
  });

  it.each(NASTY.map((s, i) => [i, s] as const))('#%i in player, account, guild, stat and zone names', (_i, s) => {
    const p = store.loadOrCreatePlayer(s, { ...SPAWN, zone: s });
    expect(p.name).toBe(s);
    expect(store.playerByName(s, 'guest')).toEqual(p);
    expect(store.player(p.id)?.zone).toBe(s);
    expect(storedHex('SELECT hex(name) AS h FROM players WHERE id = ?', p.id)).toBe(hex(s));
    expect(storedHex('SELECT hex(zone) AS h FROM players WHERE id = ?', p.id)).toBe(hex(s));

    const a = store.createAccount(s, new Uint8Array([1]), new Uint8Array([2]));
    expect(store.account(s)).toEqual(a);
    expect(a.name).toBe(s);

    const g = store.createGuild(s, p.id);
    expect(store.guildByName(s)).toEqual(g);
    expect(store.guild(g.id)?.name).toBe(s);
    expect(store.guildMembers(g.id)).toMatchObject([{ name: s, role: 'leader' }]);
    expect(storedHex('SELECT hex(name) AS h FROM guilds WHERE id = ?', g.id)).toBe(hex(s));

    store.setStat(s, 42);
    expect(store.getStat(s)).toBe(42);
    expect(store.getStats().find((r) => r.name === s)?.value).toBe(42);
    expect(storedHex('SELECT hex(name) AS h FROM game_stats WHERE name = ?', s)).toBe(hex(s));
  });

  it('kept every row distinct (no normalisation) and every table in place', () => {
    const db = otherConnection(path);
    try {
      expect((db.prepare('SELECT count(*) AS n FROM players').get() as { n: number }).n).toBe(NASTY.length);
      expect((db.prepare('SELECT count(*) AS n FROM guilds').get() as { n: number }).n).toBe(NASTY.length);
      expect((db.prepare('SELECT count(*) AS n FROM game_stats').get() as { n: number }).n).toBe(NASTY.length);
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
      expect(tables).toEqual(expect.arrayContaining(['accounts', 'game_stats', 'guild_members', 'guilds', 'inventory', 'players', 'schema_migrations']));
    } finally {
      db.close();
    }
  });

  it('through the writer thread: created names and flushed zones', async () => {
    const writer = await WorkerWriter.open(path);
    const wb = new WriteBehind(writer);
    try {
      for (const s of NASTY) {
        const p = await writer.loadOrCreatePlayer(`w:${s}`, SPAWN);
        expect(p.name).toBe(`w:${s}`);
        wb.markDirty({ ...p, zone: s });
      }
      await wb.flush();
      for (const s of NASTY) {
        const p = store.playerByName(`w:${s}`, 'guest')!;
        expect(p.zone).toBe(s);
        expect(storedHex('SELECT hex(zone) AS h FROM players WHERE id = ?', p.id)).toBe(hex(s));
      }
    } finally {
      await wb.close();
    }
    expect(store.integrityCheck()).toBe('ok');
  });
});
