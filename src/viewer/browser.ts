// Browser entry of the live viewer (bundled by bundle.ts with esbuild into one IIFE; runs in
// the page of page.ts). Joins the zone as a guest player through the client SDK, draws what
// it sees on the canvas each animation frame (interpolated positions), shows a clicked
// entity's details, and polls GET /status once a second for the server panel.
//
// Query string (all optional):
//   ws=URL      zone WebSocket (default ws(s)://<page host>/)
//   status=URL  status JSON (default /status on the page's origin)
//   name=NAME   Hello name (default viewer-NNNN)
//   token=TOK   join token (default none: guest)
//   cell=N      interest grid cell size in world units (default 50)
//
// Mouse: click selects the nearest entity; drag pans; wheel zooms; double-click refits.
// `window.__viewer` exposes counters for tests (see ViewerProbe).

import { ZoneClient, type InterpolatedState, type WebSocketConstructor, type ZoneClientError } from '../client/index.js';
import type { RectObj, WelcomeMsg } from '../protocol/index.js';
import { VIEWER_COLORS } from './colors.js';

const KIND_PLAYER = 1;
const KIND_NPC = 2;
const KIND_ITEM = 3;
const FLAG_DEAD = 1;

const COLORS = VIEWER_COLORS;

/** Radius of an entity's mark in CSS pixels (independent of zoom, so a zone of any size reads). */
const MARK_PX = 6;
/** Farthest a click may be from an entity to select it, CSS pixels. */
const PICK_PX = 14;

interface ScreenEntity {
  netId: number;
  kind: number;
  x: number;
  y: number;
}

interface ViewerProbe {
  /** Entities drawn in the last frame. */
  entitiesDrawn: number;
  /** Animation frames rendered. */
  frames: number;
  /** True while joined to the zone. */
  connected: boolean;
  /** NetId of the selected entity, 0 if none. */
  selected: number;
  /** Where each known entity is drawn now, CSS pixels relative to the canvas. */
  screenPositions(): ScreenEntity[];
}

declare global {
  interface Window {
    __viewer: ViewerProbe;
  }
}

// ------------------------------------------------------------------ configuration

const params = new URLSearchParams(location.search);
const defaultWs = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
// As an observer: no entity of its own; the server sends what is around the view point it moves.
const wsUrl = withObserver(params.get('ws') || defaultWs);

function withObserver(url: string): string {
  const u = new URL(url);
  u.searchParams.set('observer', '1');
  return u.toString();
}
const statusUrl = params.get('status') || '/status';
const name = params.get('name') || `viewer-${1000 + Math.floor(Math.random() * 9000)}`;
const token = params.get('token') || '';
const cellParam = Number(params.get('cell'));
const cellSize = Number.isFinite(cellParam) && cellParam > 0 ? cellParam : 50;

// ------------------------------------------------------------------ DOM

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`viewer page has no #${id}`);
  return e as T;
}

const canvas = el<HTMLCanvasElement>('map');
const ctx2d = canvas.getContext('2d');
if (ctx2d === null) throw new Error('no 2d canvas context');
const ctx: CanvasRenderingContext2D = ctx2d;

function setText(id: string, text: string): void {
  const e = document.getElementById(id);
  if (e !== null && e.textContent !== text) e.textContent = text;
}

// ------------------------------------------------------------------ state

const client = new ZoneClient({
  name,
  token,
  WebSocket: WebSocket as unknown as WebSocketConstructor,
  connectTimeoutMs: 10_000,
});

const probe: ViewerProbe = {
  entitiesDrawn: 0,
  frames: 0,
  connected: false,
  selected: 0,
  screenPositions,
};
window.__viewer = probe;

let bounds: RectObj | null = null;
let selected = 0;
let lastError = '';

// View transform: world (x, y north) → CSS pixels (y down). `scale` px per world unit,
// (centerX, centerY) the world point at the canvas centre.
const view = { scale: 1, centerX: 0, centerY: 0, userMoved: false };
let cssWidth = 0;
let cssHeight = 0;

function toScreenX(x: number): number {
  return cssWidth / 2 + (x - view.centerX) * view.scale;
}
function toScreenY(y: number): number {
  return cssHeight / 2 - (y - view.centerY) * view.scale;
}
function toWorldX(sx: number): number {
  return view.centerX + (sx - cssWidth / 2) / view.scale;
}
function toWorldY(sy: number): number {
  return view.centerY - (sy - cssHeight / 2) / view.scale;
}

function fit(): void {
  if (bounds === null || cssWidth === 0 || cssHeight === 0) return;
  const margin = 24;
  const w = Math.max(1e-6, bounds.maxX - bounds.minX);
  const h = Math.max(1e-6, bounds.maxY - bounds.minY);
  view.scale = Math.max(1e-6, Math.min((cssWidth - 2 * margin) / w, (cssHeight - 2 * margin) / h));
  view.centerX = (bounds.minX + bounds.maxX) / 2;
  view.centerY = (bounds.minY + bounds.maxY) / 2;
  view.userMoved = false;
}

function resize(): void {
  const rect = canvas.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  cssWidth = Math.max(1, Math.round(rect.width));
  cssHeight = Math.max(1, Math.round(rect.height));
  const pw = Math.round(cssWidth * dpr), ph = Math.round(cssHeight * dpr);
  if (canvas.width !== pw || canvas.height !== ph) {
    canvas.width = pw;
    canvas.height = ph;
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (!view.userMoved) fit();
}

// ------------------------------------------------------------------ connection

function connect(): void {
  setText('conn-state', 'connecting…');
  client.connect(wsUrl).catch((e: ZoneClientError) => {
    lastError = e.message;
    setText('conn-error', lastError);
  });
}

client.on('welcome', (w: WelcomeMsg) => {
  bounds = w.bounds;
  probe.connected = true;
  lastError = '';
  setText('conn-state', 'connected');
  setText('conn-error', '');
  setText('conn-zone', `${w.zoneName} (#${w.zoneId})`);
  setText('conn-name', `${name} · NetId ${w.netId}`);
  setText('conn-session', w.sessionId);
  if (!view.userMoved) fit();
  client.ping();
});

client.on('error', (e: ZoneClientError) => {
  lastError = e.message;
  setText('conn-error', lastError);
});

client.on('close', (info) => {
  probe.connected = false;
  setText('conn-state', `closed (${info.code}${info.reason ? ` ${info.reason}` : ''}), retrying…`);
  if (!info.byClient) setTimeout(connect, 2000);
});

// A Ping now and then keeps the connection from idling out and measures the round trip.
setInterval(() => {
  if (client.joined) client.ping();
}, 5000);

client.on('pong', (p) => setText('conn-rtt', `${p.rttAverageMs.toFixed(1)} ms`));

// ------------------------------------------------------------------ server status panel

interface StatusJson {
  tick?: number;
  players?: number;
  entities?: number;
  tickMs?: { p50?: number; p99?: number; max?: number };
  bytesOut?: number;
}

let prevStatus: { at: number; bytesOut: number } | null = null;

function fmtMs(v: number | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(2) : '–';
}

function fmtBytes(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} MB/s`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} kB/s`;
  return `${Math.round(v)} B/s`;
}

async function pollStatus(): Promise<void> {
  try {
    const res = await fetch(statusUrl, { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const s = (await res.json()) as StatusJson;
    const at = performance.now();
    setText('srv-tick', String(s.tick ?? '–'));
    setText('srv-players', String(s.players ?? '–'));
    setText('srv-entities', String(s.entities ?? '–'));
    setText('srv-tickms', `${fmtMs(s.tickMs?.p50)} / ${fmtMs(s.tickMs?.p99)} / ${fmtMs(s.tickMs?.max)}`);
    if (typeof s.bytesOut === 'number') {
      if (prevStatus !== null && at > prevStatus.at && s.bytesOut >= prevStatus.bytesOut) {
        setText('srv-bps', fmtBytes(((s.bytesOut - prevStatus.bytesOut) * 1000) / (at - prevStatus.at)));
      }
      prevStatus = { at, bytesOut: s.bytesOut };
    }
    setText('srv-error', '');
  } catch (e) {
    setText('srv-error', `status unavailable: ${(e as Error).message}`);
  }
}

function schedulePoll(): void {
  void pollStatus().finally(() => setTimeout(schedulePoll, 1000));
}

// ------------------------------------------------------------------ drawing

function colorOf(kind: number, flags: number): string {
  if (flags & FLAG_DEAD) return COLORS.dead;
  if (kind === KIND_PLAYER) return COLORS.player;
  if (kind === KIND_NPC) return COLORS.npc;
  return COLORS.item;
}

function kindName(kind: number): string {
  return kind === KIND_PLAYER ? 'Player' : kind === KIND_NPC ? 'NPC' : kind === KIND_ITEM ? 'Item' : `kind ${kind}`;
}

function drawZone(): void {
  if (bounds === null) return;
  const x0 = toScreenX(bounds.minX), x1 = toScreenX(bounds.maxX);
  const y0 = toScreenY(bounds.maxY), y1 = toScreenY(bounds.minY);
  ctx.fillStyle = COLORS.zone;
  ctx.fillRect(x0, y0, x1 - x0, y1 - y0);

  // Interest grid: cells start at the zone's min corner.
  const stepPx = cellSize * view.scale;
  if (stepPx >= 4) {
    ctx.strokeStyle = COLORS.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let x = bounds.minX + cellSize; x < bounds.maxX; x += cellSize) {
      const sx = Math.round(toScreenX(x)) + 0.5;
      ctx.moveTo(sx, y0);
      ctx.lineTo(sx, y1);
    }
    for (let y = bounds.minY + cellSize; y < bounds.maxY; y += cellSize) {
      const sy = Math.round(toScreenY(y)) + 0.5;
      ctx.moveTo(x0, sy);
      ctx.lineTo(x1, sy);
    }
    ctx.stroke();
  }
  ctx.strokeStyle = COLORS.border;
  ctx.lineWidth = 2;
  ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
}

function drawMark(kind: number, flags: number, sx: number, sy: number, rot: number): void {
  const r = MARK_PX;
  ctx.fillStyle = colorOf(kind, flags);
  ctx.beginPath();
  if (kind === KIND_ITEM) {
    // Diamond.
    ctx.moveTo(sx, sy - r);
    ctx.lineTo(sx + r, sy);
    ctx.lineTo(sx, sy + r);
    ctx.lineTo(sx - r, sy);
    ctx.closePath();
    ctx.fill();
    return;
  }
  if (kind === KIND_PLAYER) {
    // Square.
    ctx.rect(sx - r, sy - r, 2 * r, 2 * r);
    ctx.fill();
  } else {
    // Circle.
    ctx.arc(sx, sy, r, 0, Math.PI * 2);
    ctx.fill();
  }
  // Heading tick (rot 0 = +x, π/2 = north = up on screen).
  ctx.strokeStyle = ctx.fillStyle;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(sx + Math.cos(rot) * r, sy - Math.sin(rot) * r);
  ctx.lineTo(sx + Math.cos(rot) * (r + 5), sy - Math.sin(rot) * (r + 5));
  ctx.stroke();
}

const sample: InterpolatedState = { x: 0, y: 0, rot: 0, mode: 'interpolated' };

/** Draw order: items under NPCs under players (and anything unknown). */
function layerOf(kind: number): number {
  return kind === KIND_ITEM ? 0 : kind === KIND_NPC ? 1 : 2;
}

/** Tells the server where the observer looks (it sends what is around that point). */
let sentView = { x: NaN, y: NaN, at: 0 };
function followView(now: number): void {
  if (!client.joined || now - sentView.at < 250) return;
  if (Math.hypot(view.centerX - sentView.x, view.centerY - sentView.y) < 5) return;
  client.move(view.centerX, view.centerY);
  sentView = { x: view.centerX, y: view.centerY, at: now };
}

function render(): void {
  probe.frames++;
  followView(performance.now());
  resize();
  ctx.fillStyle = COLORS.background;
  ctx.fillRect(0, 0, cssWidth, cssHeight);
  drawZone();

  let drawn = 0;
  if (client.joined) {
    const own = client.netId;
    // Items under everything, then NPCs, then players on top.
    for (let layer = 0; layer < 3; layer++) {
      for (const e of client.world.entities()) {
        const r = e.record;
        if (layerOf(r.kind) !== layer) continue;
        const s = client.sampleEntity(e.netId, sample);
        const x = s === null ? r.x : s.x, y = s === null ? r.y : s.y, rot = s === null ? r.rot : s.rot;
        const sx = toScreenX(x), sy = toScreenY(y);
        if (sx < -20 || sy < -20 || sx > cssWidth + 20 || sy > cssHeight + 20) continue;
        drawMark(r.kind, r.flags, sx, sy, rot);
        if (e.netId === own || e.netId === selected) {
          ctx.strokeStyle = e.netId === selected ? COLORS.selected : COLORS.own;
          ctx.lineWidth = e.netId === selected ? 2 : 1.5;
          ctx.beginPath();
          ctx.arc(sx, sy, MARK_PX + (e.netId === selected ? 6 : 3), 0, Math.PI * 2);
          ctx.stroke();
        }
        drawn++;
      }
    }
  } else {
    ctx.fillStyle = '#9aa4b2';
    ctx.font = '14px system-ui, sans-serif';
    ctx.fillText(lastError === '' ? `connecting to ${wsUrl}…` : lastError, 16, 24);
  }
  probe.entitiesDrawn = drawn;
  updateDetails();
  setText('conn-known', String(client.world.size));
  setText('conn-snapshots', String(client.stats.snapshots));
  setText('conn-bytes', `${(client.stats.bytesReceived / 1024).toFixed(1)} KiB`);
  setText('conn-tick', String(client.world.tick));
  requestAnimationFrame(render);
}

// ------------------------------------------------------------------ selection

function screenPositions(): ScreenEntity[] {
  const out: ScreenEntity[] = [];
  if (!client.joined) return out;
  for (const e of client.world.entities()) {
    const s = client.sampleEntity(e.netId, sample);
    const x = s === null ? e.record.x : s.x, y = s === null ? e.record.y : s.y;
    out.push({ netId: e.netId, kind: e.record.kind, x: toScreenX(x), y: toScreenY(y) });
  }
  return out;
}

function pick(sx: number, sy: number): number {
  let best = 0, bestD = PICK_PX * PICK_PX;
  for (const p of screenPositions()) {
    const dx = p.x - sx, dy = p.y - sy, d = dx * dx + dy * dy;
    if (d <= bestD) {
      bestD = d;
      best = p.netId;
    }
  }
  return best;
}

function updateDetails(): void {
  const box = el('details');
  const e = selected === 0 ? undefined : client.world.get(selected);
  if (e === undefined) {
    if (box.dataset.netId !== '') {
      box.dataset.netId = '';
      box.textContent = selected === 0 ? 'click an entity' : `NetId ${selected}: out of view`;
    }
    return;
  }
  const r = e.record;
  const s = client.sampleEntity(e.netId, sample);
  const x = s === null ? r.x : s.x, y = s === null ? r.y : s.y;
  box.dataset.netId = String(e.netId);
  const rows: Array<[string, string]> = [
    ['NetId', String(e.netId) + (e.netId === client.netId ? ' (this viewer)' : '')],
    ['kind', kindName(r.kind)],
    ['hp', `${r.hp} / ${r.maxHp}`],
    ['mana', `${r.mana} / ${r.maxMana}`],
    ['level', String(r.level)],
    ['position', `${x.toFixed(1)}, ${y.toFixed(1)}`],
    ['target', `${r.targetX.toFixed(1)}, ${r.targetY.toFixed(1)}`],
    ['speed', `${r.speed.toFixed(2)} u/s`],
    ['flags', [(r.flags & FLAG_DEAD) ? 'dead' : '', (r.flags & 2) ? 'moving' : ''].filter(Boolean).join(', ') || '–'],
  ];
  const text = rows.map(([k, v]) => `${k}\t${v}`).join('\n');
  if (box.dataset.text === text) return;
  box.dataset.text = text;
  const table = document.createElement('table');
  for (const [k, v] of rows) {
    const tr = table.insertRow();
    const th = document.createElement('th');
    th.textContent = k;
    tr.appendChild(th);
    tr.insertCell().textContent = v;
  }
  box.replaceChildren(table);
}

// ------------------------------------------------------------------ mouse: select, pan, zoom

let drag: { x: number; y: number; cx: number; cy: number; moved: boolean } | null = null;

function local(ev: MouseEvent): { x: number; y: number } {
  const rect = canvas.getBoundingClientRect();
  return { x: ev.clientX - rect.left, y: ev.clientY - rect.top };
}

canvas.addEventListener('mousedown', (ev) => {
  const p = local(ev);
  drag = { x: p.x, y: p.y, cx: view.centerX, cy: view.centerY, moved: false };
});
window.addEventListener('mousemove', (ev) => {
  if (drag === null) return;
  const p = local(ev);
  const dx = p.x - drag.x, dy = p.y - drag.y;
  if (!drag.moved && dx * dx + dy * dy < 16) return;
  drag.moved = true;
  view.userMoved = true;
  view.centerX = drag.cx - dx / view.scale;
  view.centerY = drag.cy + dy / view.scale;
});
window.addEventListener('mouseup', (ev) => {
  const d = drag;
  drag = null;
  if (d === null || d.moved) return;
  const p = local(ev);
  selected = pick(p.x, p.y);
  probe.selected = selected;
  el('details').dataset.text = '';
});
canvas.addEventListener('wheel', (ev) => {
  ev.preventDefault();
  const p = local(ev);
  const wx = toWorldX(p.x), wy = toWorldY(p.y);
  view.scale = Math.min(1e4, Math.max(1e-4, view.scale * Math.exp(-ev.deltaY * 0.0015)));
  // Keep the world point under the cursor where it is.
  view.centerX = wx - (p.x - cssWidth / 2) / view.scale;
  view.centerY = wy + (p.y - cssHeight / 2) / view.scale;
  view.userMoved = true;
}, { passive: false });
canvas.addEventListener('dblclick', () => fit());

// ------------------------------------------------------------------ start

setText('conn-url', wsUrl);
connect();
schedulePoll();
requestAnimationFrame(render);
