// What the viewer page was asked to show, read from its own URL (pure: the browser entry
// passes `location`; tests pass plain objects).
//
// The page works wherever a zone mounts it:
//   /viewer            a lone `mmo zone`: the zone's routes are at the root (prefix '');
//   /zone-3/viewer     a zone of `mmo world` behind a shared port: its routes are under /zone-3.
// Query string (all optional):
//   zone=N      zone id to show (default: the zone whose page this is)
//   ws=URL      zone WebSocket (default ws(s)://<page host><prefix>/)
//   status=URL  status JSON (default <prefix>/status)
//   name=NAME   Hello name of the observer (default viewer-NNNN)
//   token=TOK   join token (default none: guest)
//   cell=N      interest grid cell size in world units (default 50)
//   play=NAME   join as guest player NAME instead of observing; clicks move it (predicted)
//   lag=MS      simulated extra round trip, ms (0..5000): half on sends, half on receives

export interface PageLocation {
  readonly protocol: string;
  readonly host: string;
  readonly pathname: string;
  readonly search: string;
}

export interface ViewerConfig {
  /** Path prefix of the zone's routes: '' for a lone zone, '/zone-N' inside a world. */
  prefix: string;
  /** Zone id asked for with ?zone=N, or null. */
  zoneId: number | null;
  /** Explicit WebSocket URL (?ws=), or null to derive it from the prefix. */
  wsOverride: string | null;
  /** Explicit status URL (?status=), or null to derive it from the prefix. */
  statusOverride: string | null;
  name: string;
  token: string;
  cellSize: number;
  /** Guest player name in play mode, null when observing. */
  play: string | null;
  /** Simulated extra round trip, ms. */
  lagMs: number;
  /** Query values that were refused, one sentence each (shown on the page). */
  problems: string[];
}

export const MAX_LAG_MS = 5000;

/** The zone prefix of a page path: everything before its last `/viewer` segment. */
export function prefixOf(pathname: string): string {
  const m = /^(.*?)\/viewer(?:\.html)?\/?$/.exec(pathname);
  return m === null ? '' : m[1];
}

/** Reads the page's configuration; a bad value is reported in `problems` and its default used. */
export function readConfig(loc: PageLocation, randomName: () => string): ViewerConfig {
  const params = new URLSearchParams(loc.search);
  const problems: string[] = [];
  const number = (key: string, min: number, max: number, fallback: number, integer = false): number => {
    const raw = params.get(key);
    if (raw === null || raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      problems.push(`?${key}=${raw} ignored: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
      return fallback;
    }
    return v;
  };
  const zone = number('zone', 1, 0xffff, 0, true);
  const play = params.get('play');
  return {
    prefix: prefixOf(loc.pathname),
    zoneId: zone === 0 ? null : zone,
    wsOverride: params.get('ws') || null,
    statusOverride: params.get('status') || null,
    name: params.get('name') || randomName(),
    token: params.get('token') || '',
    cellSize: number('cell', 1, 1e6, 50),
    play: play === null || play === '' ? null : play,
    lagMs: number('lag', 0, MAX_LAG_MS, 0),
    problems,
  };
}

/** The zone WebSocket URL for a prefix: an observer asks to see the whole zone. */
export function zoneSocketUrl(loc: PageLocation, prefix: string, observer: boolean, override: string | null): string {
  const base = override ?? `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}${prefix}/`;
  const u = new URL(base);
  if (observer) {
    u.searchParams.set('observer', '1');
    u.searchParams.set('scope', 'zone');
  }
  return u.toString();
}
