// Zone configuration: plain data, validated once, recorded verbatim in replay files.
import { MAX_WAYPOINTS } from './constants.js';

export interface Rect {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export interface ZoneConfig {
  id: number;
  name: string;
  /** The region this zone owns; an entity leaving it becomes a handoff candidate. */
  bounds: Rect;
  /** Where move targets may lie (the whole world); defaults to bounds. */
  worldBounds?: Rect;
  spawn: { x: number; y: number };
  /** New players appear within this distance (per axis) of the spawn point. */
  spawnRadius: number;
  npcs: number;
  /** Waypoints per NPC route, 2..MAX_WAYPOINTS. */
  waypoints: number;
  /** Half-size of the square an NPC route is drawn in. */
  patrolRadius: number;
  /** Share of NPCs that stand guard at one post instead of patrolling, 0..1. */
  guardShare: number;
  items: number;
  /** Grid cell size; about the view radius. */
  cellSize: number;
  /** Typed-array capacity: the most entities alive at once. */
  capacity: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const DEFAULT_ZONE: ZoneConfig = {
  id: 1,
  name: 'meadow',
  bounds: { minX: 0, minY: 0, maxX: 1000, maxY: 1000 },
  spawn: { x: 500, y: 500 },
  spawnRadius: 5,
  npcs: 200,
  waypoints: 4,
  patrolRadius: 40,
  guardShare: 0.25,
  items: 100,
  cellSize: 50,
  capacity: 16384,
};

/** A square zone sized so that about `density` entities share each 100 × 100 area. */
export function zoneForEntities(entities: number, overrides: Partial<ZoneConfig> = {}): ZoneConfig {
  const side = Math.max(200, Math.ceil(Math.sqrt(entities * 80) / 50) * 50);
  return {
    ...DEFAULT_ZONE,
    bounds: { minX: 0, minY: 0, maxX: side, maxY: side },
    spawn: { x: side / 2, y: side / 2 },
    capacity: Math.max(1024, Math.ceil(entities * 1.25) + 1024),
    ...overrides,
  };
}

function checkRect(r: unknown, what: string): Rect {
  const o = r as Record<string, unknown> | null;
  if (!o || typeof o !== 'object') throw new ConfigError(`${what} must be an object {minX,minY,maxX,maxY}`);
  for (const k of ['minX', 'minY', 'maxX', 'maxY']) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > 1e7) {
      throw new ConfigError(`${what}.${k} must be a finite number within ±1e7, got ${JSON.stringify(v)}`);
    }
  }
  // Positions are stored as float32: bounds are too, so a point accepted as inside stays
  // inside once stored.
  const rect = o as unknown as Rect;
  const f = { minX: Math.fround(rect.minX), minY: Math.fround(rect.minY), maxX: Math.fround(rect.maxX), maxY: Math.fround(rect.maxY) };
  if (!(f.maxX > f.minX && f.maxY > f.minY)) throw new ConfigError(`${what} is empty: max must exceed min`);
  return f;
}

function checkInt(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`${what} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

function checkNumber(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ConfigError(`${what} must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

export function inRect(r: Rect, x: number, y: number): boolean {
  return x >= r.minX && x <= r.maxX && y >= r.minY && y <= r.maxY;
}

/** Checks untrusted config (files, replay headers) and returns a clean copy with defaults filled. */
export function validateZoneConfig(input: unknown): ZoneConfig {
  const o = input as Record<string, unknown> | null;
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new ConfigError('zone config must be a JSON object');
  const c = { ...DEFAULT_ZONE, ...o } as Record<string, unknown>;
  const bounds = checkRect(c.bounds, 'bounds');
  const worldBounds = c.worldBounds === undefined ? undefined : checkRect(c.worldBounds, 'worldBounds');
  if (worldBounds && !(worldBounds.minX <= bounds.minX && worldBounds.minY <= bounds.minY &&
      worldBounds.maxX >= bounds.maxX && worldBounds.maxY >= bounds.maxY)) {
    throw new ConfigError('worldBounds must contain bounds');
  }
  const name = c.name;
  if (typeof name !== 'string' || name.length < 1 || name.length > 64) throw new ConfigError('name must be a string of 1..64 characters');
  const spawn = c.spawn as Record<string, unknown> | null;
  if (!spawn || typeof spawn !== 'object') throw new ConfigError('spawn must be an object {x,y}');
  const sx = checkNumber(spawn.x, 'spawn.x', bounds.minX, bounds.maxX);
  const sy = checkNumber(spawn.y, 'spawn.y', bounds.minY, bounds.maxY);
  const capacity = checkInt(c.capacity, 'capacity', 16, 1 << 22);
  const npcs = checkInt(c.npcs, 'npcs', 0, capacity);
  const items = checkInt(c.items, 'items', 0, capacity);
  if (npcs + items >= capacity) throw new ConfigError(`capacity ${capacity} leaves no room for players after ${npcs} npcs and ${items} items`);
  const width = Math.min(bounds.maxX - bounds.minX, bounds.maxY - bounds.minY);
  return {
    id: checkInt(c.id, 'id', 0, 65535),
    name,
    bounds,
    ...(worldBounds ? { worldBounds } : {}),
    spawn: { x: sx, y: sy },
    spawnRadius: checkNumber(c.spawnRadius, 'spawnRadius', 0, width),
    npcs,
    waypoints: checkInt(c.waypoints, 'waypoints', 2, MAX_WAYPOINTS),
    patrolRadius: checkNumber(c.patrolRadius, 'patrolRadius', 1, width / 2),
    guardShare: checkNumber(c.guardShare, 'guardShare', 0, 1),
    items,
    cellSize: checkNumber(c.cellSize, 'cellSize', 4, width),
    capacity,
  };
}
