// Persistence (better-sqlite3, WAL): migrations, repositories, write-behind of player rows.
//
//   const store = PlayerStore.open(file);                 // tick thread: reads, sync writes
//   const wb = await WriteBehind.withWorker(file);        // flushes commit on a writer thread
//   wb.markDirty(snapshot); … wb.flush().catch(log);     // every N ticks; await it on leave
//   await wb.addItem(playerId, type, 1);                  // durable before telling the client
//   await wb.close(); store.close();                      // SIGTERM: drains pending work

export { DEFAULT_BUSY_TIMEOUT_MS, openDatabase, type OpenOptions } from './db.js';
export { MIGRATIONS, SCHEMA_VERSION, StoreVersionError, migrate, schemaVersion, type MigrateResult, type Migration } from './migrations.js';
export {
  PlayerStore,
  type AccountRow, type GuildMember, type GuildRole, type GuildRow, type ItemStack, type Membership, type StatRow, type StoreOptions,
} from './playerStore.js';
export { NEW_PLAYER_STATS, PLAYER_KINDS, type NewPlayer, type PlayerKind, type PlayerRow } from './players.js';
export type { StoreFault, ZoneStore } from './zoneStore.js';
export { MemoryStore } from './memoryStore.js';
export { SNAPSHOT_STRIDE, packSnapshots, unpackSnapshot, type PackedSnapshots, type PlayerSnapshot, type SnapshotWriter } from './snapshots.js';
export { WorkerWriter, WriterError, type WorkerWriterOptions } from './workerWriter.js';
export { WriteBehind, type WriteBehindOptions } from './writeBehind.js';
