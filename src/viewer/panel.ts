// The side panel: the zone server's status (polled once a second from <prefix>/status), the
// player names of the zone (<prefix>/names, when the server has that route), and the
// selected entity's details.

import type { KnownEntity } from '../client/index.js';
import { FLAG_DEAD, FLAG_MOVING, kindName } from './draw.js';

export function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`viewer page has no #${id}`);
  return e as T;
}

/** Sets an element's text only when it changed (no layout work otherwise). */
export function setText(id: string, text: string): void {
  const e = document.getElementById(id);
  if (e !== null && e.textContent !== text) e.textContent = text;
}

interface StatusJson {
  tick?: number;
  players?: number;
  entities?: number;
  tickMs?: { p50?: number; p99?: number; max?: number };
  bytesOut?: number;
}

function fmtMs(v: number | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(2) : '–';
}

function fmtBytes(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} MB/s`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} kB/s`;
  return `${Math.round(v)} B/s`;
}

/** Polls the zone's /status and /names; the URLs are read on every poll (the zone can change). */
export class ServerPoller {
  /** Player names by NetId, from the last /names answer (empty without that route). */
  names = new Map<number, string>();
  private prev: { at: number; bytesOut: number; url: string } | null = null;
  /** A names URL that answered 404: that server has no such route, so it is not asked again. */
  private namesMissing: string | null = null;

  constructor(private readonly urls: () => { status: string; names: string }) {}

  start(): void {
    const loop = (): void => void this.poll().finally(() => setTimeout(loop, 1000));
    loop();
  }

  private async poll(): Promise<void> {
    const { status, names } = this.urls();
    await Promise.all([this.pollStatus(status), this.pollNames(names)]);
  }

  private async pollStatus(url: string): Promise<void> {
    try {
      const res = await fetch(url, { cache: 'no-store' });
      if (!res.ok) throw new Error(`HTTP ${res.status} from ${url}`);
      const s = (await res.json()) as StatusJson;
      const at = performance.now();
      setText('srv-tick', String(s.tick ?? '–'));
      setText('srv-players', String(s.players ?? '–'));
      setText('srv-entities', String(s.entities ?? '–'));
      setText('srv-tickms', `${fmtMs(s.tickMs?.p50)} / ${fmtMs(s.tickMs?.p99)} / ${fmtMs(s.tickMs?.max)}`);
      if (typeof s.bytesOut === 'number') {
        const p = this.prev;
        if (p !== null && p.url === url && at > p.at && s.bytesOut >= p.bytesOut) {
          setText('srv-bps', fmtBytes(((s.bytesOut - p.bytesOut) * 1000) / (at - p.at)));
        }
        this.prev = { at, bytesOut: s.bytesOut, url };
      }
      setText('srv-error', '');
    } catch (e) {
      setText('srv-error', `status unavailable: ${(e as Error).message}`);
    }
  }

  private async pollNames(url: string): Promise<void> {
    if (url === this.namesMissing) return;
    try {
      const res = await fetch(url, { cache: 'no-store' });
      if (res.status === 404) this.namesMissing = url;
      if (!res.ok) return void this.names.clear();
      const body = (await res.json()) as Record<string, unknown>;
      const names = new Map<number, string>();
      for (const [id, name] of Object.entries(body)) if (typeof name === 'string') names.set(Number(id), name);
      this.names = names;
    } catch {
      this.names.clear();
    }
  }
}

/** The selected entity's details as rows; redrawn only when the text changed. */
export function showDetails(box: HTMLElement, selected: number, e: KnownEntity | undefined, at: { x: number; y: number },
  own: number, name: string | undefined): void {
  if (e === undefined) {
    if (box.dataset.netId !== '') {
      box.dataset.netId = '';
      box.dataset.text = '';
      box.textContent = selected === 0 ? 'click an entity' : `NetId ${selected}: out of view`;
    }
    return;
  }
  const r = e.record;
  box.dataset.netId = String(e.netId);
  const rows: Array<[string, string]> = [
    ['NetId', String(e.netId) + (e.netId === own ? ' (this viewer)' : '')],
    ['kind', kindName(r.kind)],
    ...(name === undefined ? [] : [['name', name] as [string, string]]),
    ['hp', `${r.hp} / ${r.maxHp}`],
    ['mana', `${r.mana} / ${r.maxMana}`],
    ['level', String(r.level)],
    ['position', `${at.x.toFixed(1)}, ${at.y.toFixed(1)}`],
    ['target', `${r.targetX.toFixed(1)}, ${r.targetY.toFixed(1)}`],
    ['speed', `${r.speed.toFixed(2)} u/s`],
    ['flags', [(r.flags & FLAG_DEAD) ? 'dead' : '', (r.flags & FLAG_MOVING) ? 'moving' : ''].filter(Boolean).join(', ') || '–'],
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
