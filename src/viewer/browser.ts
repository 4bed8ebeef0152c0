// Browser entry of the live viewer (bundled by bundle.ts with esbuild into one IIFE; runs in
// the page of page.ts). Wires the parts: the configuration from the page's URL (config.ts),
// the zone list and chooser (zones.ts), the client SDK's connection, the map (map.ts), the
// whole-zone overview (overview.ts) and the side panel (panel.ts).
//
// Two modes:
// - observe (default): an observer socket (`?observer=1&scope=zone`: no entity, the server
//   sends the zone); click selects, and when the selected player leaves for another zone of
//   the world the viewer follows it there;
// - play (`?play=NAME`): a guest player with client-side prediction; click walks there,
//   shift-click selects; the predicted and the server's position are drawn side by side;
//   `?lag=MS` adds a simulated round trip (lag.ts). Handoffs are followed by the SDK.
// `window.__viewer` exposes counters for tests (see ViewerProbe).

import { ZoneClient, type KnownEntity, type WebSocketConstructor, type ZoneClientError } from '../client/index.js';
import { EventKind, type EventObj, type RectObj, type WelcomeMsg } from '../protocol/index.js';
import { readConfig, zoneSocketUrl } from './config.js';
import { KIND_PLAYER, kindName } from './draw.js';
import { laggedSockets } from './lag.js';
import { MapView, positionOf, type Point, type ScreenEntity } from './map.js';
import { Overview } from './overview.js';
import { ServerPoller, el, setText, showDetails } from './panel.js';
import { chooseZone, destinationOf, fetchZones, type ZoneListing } from './zones.js';

interface ViewerProbe {
  /** Entities drawn on the map in the last frame. */
  entitiesDrawn: number;
  /** Dots drawn on the overview in the last frame. */
  overviewDots: number;
  /** Animation frames rendered. */
  frames: number;
  /** True while joined to the zone. */
  connected: boolean;
  mode: 'observe' | 'play';
  /** Route prefix of the zone shown ('' for a lone zone). */
  prefix: string;
  /** Zone id of the last Welcome (0 before). */
  zoneId: number;
  /** NetId of the selected entity, 0 if none. */
  selected: number;
  /** World point under the mouse, null off the map. */
  cursor: Point | null;
  /** Length of the scale bar, world units. */
  scaleUnits: number;
  /** Play mode: the own player's predicted and authoritative positions (null when unknown). */
  predicted: Point | null;
  server: Point | null;
  /** Where each known entity is drawn now, CSS pixels relative to the map canvas. */
  screenPositions(): ScreenEntity[];
  /** A world point in CSS pixels relative to the map canvas. */
  toScreen(x: number, y: number): Point;
}

declare global {
  interface Window {
    __viewer: ViewerProbe;
  }
}

const config = readConfig(location, () => `viewer-${1000 + Math.floor(Math.random() * 9000)}`);
const playing = config.play !== null;
const Socket = WebSocket as unknown as WebSocketConstructor;

const client = new ZoneClient({
  name: config.play ?? config.name,
  token: config.token,
  connectTimeoutMs: 10_000,
  ...(config.lagMs > 0 ? { createSocket: laggedSockets(Socket, config.lagMs) } : { WebSocket: Socket }),
  ...(playing ? { prediction: true, followZoneChange: true } : {}),
});

let prefix = config.prefix;
let zones: ZoneListing[] = [];
let bounds: RectObj | null = null;
let selected = 0;
/** Name of the player being followed across zones (observe mode). */
let following: string | null = null;
let lastError = config.problems.join(' · ');

const map = new MapView(el<HTMLCanvasElement>('map'), client, onMapClick, () => { if (bounds !== null) map.cam.fit(bounds); });
const overview = new Overview(el<HTMLCanvasElement>('overview'), (x, y) => {
  map.cam.centerX = x;
  map.cam.centerY = y;
  map.cam.userMoved = true;
});
const poller = new ServerPoller(() => ({
  status: config.statusOverride ?? `${prefix}/status`,
  names: `${prefix}/names`,
}));

const probe: ViewerProbe = {
  entitiesDrawn: 0, overviewDots: 0, frames: 0, connected: false, mode: playing ? 'play' : 'observe', prefix, zoneId: 0,
  selected: 0, cursor: null, scaleUnits: 0, predicted: null, server: null,
  screenPositions: () => map.screenPositions(),
  toScreen: (x, y) => ({ x: map.cam.toScreenX(x), y: map.cam.toScreenY(y) }),
};
window.__viewer = probe;

// ------------------------------------------------------------------ connection

function socketUrl(): string {
  return zoneSocketUrl(location, prefix, !playing, config.wsOverride);
}

function connect(): void {
  setText('conn-state', 'connecting…');
  setText('conn-url', socketUrl());
  client.connect(socketUrl()).catch((e: ZoneClientError) => showError(e.message));
}

function showError(message: string): void {
  lastError = message;
  setText('conn-error', message);
}

/** Shows another zone of this server: a new connection under its prefix. */
function switchZone(zone: ZoneListing): void {
  if (zone.prefix === prefix && client.joined) return;
  prefix = zone.prefix;
  probe.prefix = prefix;
  bounds = zone.bounds;
  selected = 0;
  probe.selected = 0;
  probe.connected = false;
  map.cam.userMoved = false;
  const url = new URL(location.href);
  url.searchParams.set('zone', String(zone.zoneId));
  history.replaceState(null, '', url);
  connect();
}

client.on('welcome', (w: WelcomeMsg) => {
  bounds = w.bounds;
  probe.connected = true;
  probe.zoneId = w.zoneId;
  // A handoff on the same socket (play mode) lands in another zone: poll that one's status.
  const listed = zones.find((z) => z.zoneId === w.zoneId);
  if (listed !== undefined && listed.prefix !== prefix) {
    prefix = listed.prefix;
    probe.prefix = prefix;
  }
  showChooser();
  lastError = config.problems.join(' · ');
  setText('conn-state', 'connected');
  setText('conn-error', lastError);
  setText('conn-zone', `${w.zoneName} (#${w.zoneId})`);
  setText('conn-name', playing ? `${config.play} · NetId ${w.netId}` : `${config.name} (observer)`);
  setText('conn-session', w.sessionId);
  if (!map.cam.userMoved) map.cam.fit(w.bounds);
  client.ping();
});

client.on('error', (e: ZoneClientError) => showError(e.message));

client.on('close', (info) => {
  probe.connected = false;
  setText('conn-state', `closed (${info.code}${info.reason ? ` ${info.reason}` : ''}), retrying…`);
  if (!info.byClient) setTimeout(connect, 2000);
});

client.on('event', (e: EventObj) => {
  // The followed player left for another zone of this server: follow it there.
  if (playing || e.kind !== EventKind.ZoneExit || e.source !== selected) return;
  const next = destinationOf(zones, prefix, e.value, e.x, e.y);
  if (next === undefined) return;
  following = poller.names.get(selected) ?? following;
  switchZone(next);
});

// A Ping now and then keeps the connection from idling out and measures the round trip.
setInterval(() => {
  if (client.joined) client.ping();
}, 5000);

client.on('pong', (p) => setText('conn-rtt', `${p.rttAverageMs.toFixed(1)} ms`));

// ------------------------------------------------------------------ zone chooser

function showChooser(): void {
  const box = el<HTMLSelectElement>('zone-select');
  box.parentElement!.hidden = zones.length < 2;
  if (box.options.length !== zones.length) {
    box.replaceChildren(...zones.map((z) => new Option(`${z.name} (#${z.zoneId})`, String(z.zoneId))));
  }
  const current = zones.find((z) => z.prefix === prefix);
  if (current !== undefined) box.value = String(current.zoneId);
}

el<HTMLSelectElement>('zone-select').addEventListener('change', (ev) => {
  const zone = zones.find((z) => String(z.zoneId) === (ev.target as HTMLSelectElement).value);
  if (zone !== undefined) {
    following = null;
    switchZone(zone);
  }
});

// ------------------------------------------------------------------ input

/** The user picked an entity (0: none); a named player is followed into other zones. */
function select(netId: number): void {
  selected = netId;
  probe.selected = netId;
  el('details').dataset.text = '';
  following = poller.names.get(netId) ?? null;
}

/** Observe: select. Play: walk there (inside the zone), or select with shift. */
function onMapClick(screen: Point, world: Point, shift: boolean): void {
  if (!playing || shift) return select(map.pick(screen.x, screen.y));
  if (!client.joined || bounds === null) return;
  client.move(Math.min(bounds.maxX, Math.max(bounds.minX, world.x)), Math.min(bounds.maxY, Math.max(bounds.minY, world.y)));
}

/** Observe: tells the server where the map looks (it sends what is around that point). */
let sentView = { x: NaN, y: NaN, at: 0 };
function followView(now: number): void {
  if (playing || !client.joined || now - sentView.at < 250) return;
  const { centerX: x, centerY: y } = map.cam;
  if (Math.hypot(x - sentView.x, y - sentView.y) < 5) return;
  client.move(x, y);
  sentView = { x, y, at: now };
}

// ------------------------------------------------------------------ the frame

function labelOf(e: KnownEntity): string {
  if (e.netId === client.netId && playing) return config.play!;
  const name = e.record.kind === KIND_PLAYER ? poller.names.get(e.netId) : undefined;
  return name ?? `${kindName(e.record.kind)} ${e.netId}`;
}

/** After following a player into another zone: select it again once its name is listed. */
function reselectFollowed(): void {
  if (following === null || selected !== 0) return;
  for (const [netId, name] of poller.names) {
    if (name === following && client.world.has(netId)) {
      selected = netId;
      probe.selected = netId;
      return;
    }
  }
}

function render(): void {
  probe.frames++;
  followView(performance.now());
  reselectFollowed();
  const predicted = playing && client.joined ? client.predictedPosition() : null;
  probe.entitiesDrawn = map.render({
    bounds, cellSize: config.cellSize, selected, labelOf, predicted,
    message: lastError === '' ? `connecting to ${socketUrl()}…` : lastError,
  });
  probe.predicted = predicted;
  probe.server = playing ? map.serverPosition() : null;
  if (bounds !== null && client.joined) {
    overview.draw(bounds, client.world.entities(), (e) => positionOf(client, e), map.cam.visible());
    probe.overviewDots = overview.dotsDrawn;
  }
  const cursor = map.cursor;
  probe.cursor = cursor;
  probe.scaleUnits = map.scaleUnits;
  setText('cursor', cursor === null ? '–' : `${cursor.x.toFixed(1)}, ${cursor.y.toFixed(1)}`);
  setText('scale', `${map.scaleUnits} u = ${Math.round(map.scaleUnits * map.cam.scale)} px`);
  if (predicted !== null && probe.server !== null) {
    setText('pred-gap', `${Math.hypot(predicted.x - probe.server.x, predicted.y - probe.server.y).toFixed(1)} u`);
  }
  const e = selected === 0 ? undefined : client.world.get(selected);
  showDetails(el('details'), selected, e, e === undefined ? { x: 0, y: 0 } : positionOf(client, e), client.netId,
    e === undefined ? undefined : poller.names.get(e.netId));
  setText('conn-known', String(client.world.size));
  setText('conn-snapshots', String(client.stats.snapshots));
  setText('conn-bytes', `${(client.stats.bytesReceived / 1024).toFixed(1)} KiB`);
  setText('conn-tick', String(client.world.tick));
  requestAnimationFrame(render);
}

// ------------------------------------------------------------------ start

async function start(): Promise<void> {
  el('play-panel').hidden = !playing;
  setText('mode', playing ? `playing as ${config.play}${config.lagMs > 0 ? `, +${config.lagMs} ms simulated lag` : ''}` : 'observing');
  zones = await fetchZones();
  const chosen = chooseZone(zones, prefix, config.zoneId);
  prefix = chosen.prefix;
  probe.prefix = prefix;
  bounds = chosen.zone?.bounds ?? null;
  if (chosen.problem !== undefined) config.problems.push(chosen.problem);
  lastError = config.problems.join(' · ');
  setText('conn-error', lastError);
  showChooser();
  connect();
  poller.start();
  requestAnimationFrame(render);
}

void start();
