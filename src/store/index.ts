// Persistence (better-sqlite3, WAL): migrations, repositories, write-behind of player rows.
//
// What a zone needs of a store is one interface, ZoneStore (load or create a player on join,
// write-behind batches, item commits durable before they resolve, stats, close), with two
// implementations passing one contract suite (test/store/contract.ts): WorkerWriter, SQLite on
// a writer thread of its own, and MemoryStore. Guests and account players are two namespaces.
//
//   const store = await WorkerWriter.open(file);          // or new MemoryStore()
//   const row = await store.loadOrCreatePlayer(name, { x, y, zone });   // a guest
//   const wb = new WriteBehind(store);
//   wb.markDirty(snapshot); … wb.flush().catch(log);     // every N ticks; await it on leave
//   await wb.addItem(playerId, type, 1);                  // durable before telling the client
//   await wb.close();                                     // SIGTERM: drains pending work
//
// PlayerStore is the same file on the calling thread (synchronous): accounts, guilds, reads.
// OnlineLeases (also synchronous, a connection of its own): the zone each player is online in.

export { DEFAULT_BUSY_TIMEOUT_MS, openDatabase, type OpenOptions } from './db.js';
export { MIGRATIONS, SCHEMA_VERSION, StoreVersionError, migrate, schemaVersion, type MigrateResult, type Migration } from './migrations.js';
export {
  PlayerStore,
  type AccountRow, type GuildMember, type GuildRole, type GuildRow, type ItemStack, type Membership, type StatRow, type StoreOptions,
} from './playerStore.js';
export { NEW_PLAYER_STATS, PLAYER_KINDS, type NewPlayer, type PlayerKind, type PlayerRow } from './players.js';
export type { StoreFault, ZoneStore } from './zoneStore.js';
export { MemoryStore } from './memoryStore.js';
export { DEFAULT_LEASE_TTL_MS, OnlineLeases, type LeaseOptions } from './leases.js';
export { SNAPSHOT_STRIDE, packSnapshots, unpackSnapshot, type PackedSnapshots, type PlayerSnapshot, type SnapshotWriter } from './snapshots.js';
export { WorkerWriter, WriterError, type WorkerWriterOptions } from './workerWriter.js';
export { WriteBehind, type WriteBehindOptions } from './writeBehind.js';
