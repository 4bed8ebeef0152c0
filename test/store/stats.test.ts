import { describe, expect, it } from 'vitest';
import { PlayerStore, WorkerWriter } from '../../src/store/index.js';
import { tempStore } from './helpers.js';

const { file } = tempStore('stats');

describe('game statistics through the writer thread', () => {
  it('sets and adds in one transaction, visible to another connection once resolved', async () => {
    const path = file('stats.db');
    const writer = await WorkerWriter.open(path);
    await writer.writeStats({ players_online: 12 }, { kills: 3, "items'; DROP TABLE game_stats; --": 1 });
    await writer.writeStats({ players_online: 7 }, { kills: 2 });
    const reader = PlayerStore.open(path);
    expect(reader.getStat('players_online')).toBe(7);
    expect(reader.getStat('kills')).toBe(5);
    expect(reader.getStat("items'; DROP TABLE game_stats; --")).toBe(1);
    await expect(writer.writeStats({ bad: Number.NaN }, {})).rejects.toThrow(/finite/);
    expect(reader.getStat('bad')).toBeUndefined();
    reader.close();
    await writer.close();
  });
});
