// The viewer's HTML page: inline CSS, the map canvas and the side panel (zone chooser,
// overview, cursor and scale, prediction legend, status, connection, selection). The script
// is not inlined: the page loads it from VIEWER_BUNDLE_PATH next to itself (served from
// viewerBundle()), by a relative URL so that it works under any prefix or proxy path, so
// the page itself is a constant string built without esbuild.

import { VIEWER_COLORS as C } from './colors.js';

/** Route of the script, next to the page's route (`<prefix>/viewer` → `<prefix>/viewer.js`). */
export const VIEWER_BUNDLE_PATH = '/viewer.js';

export interface ViewerHtmlOptions {
  /** URL of the bundle (default: VIEWER_BUNDLE_PATH relative to the page, `viewer.js`). */
  readonly scriptSrc?: string;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The viewer page (text/html). */
export function viewerHtml(options: ViewerHtmlOptions = {}): string {
  const src = escapeAttr(options.scriptSrc ?? VIEWER_BUNDLE_PATH.slice(1));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Zone viewer</title>
<link rel="icon" href="data:,">
<style>
  * { box-sizing: border-box; }
  html, body { margin: 0; height: 100%; background: ${C.background}; color: #c9d1d9;
    font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
  body { display: flex; overflow: hidden; }
  #map { flex: 1 1 auto; min-width: 0; height: 100%; display: block; cursor: crosshair; }
  #panel { flex: 0 0 300px; height: 100%; overflow-y: auto; padding: 10px 12px;
    border-left: 1px solid #30363d; background: #11161d; }
  h1 { font-size: 15px; margin: 0 0 8px; }
  h2 { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: #8b949e;
    margin: 14px 0 4px; }
  table { border-collapse: collapse; width: 100%; }
  th { text-align: left; font-weight: normal; color: #8b949e; padding: 1px 8px 1px 0; white-space: nowrap;
    vertical-align: top; }
  td { text-align: right; font-variant-numeric: tabular-nums; padding: 1px 0; word-break: break-all; }
  #details { min-height: 3em; }
  #srv-tickms { white-space: nowrap; }
  .err { color: #f85149; font-size: 12px; word-break: break-word; }
  .legend span { display: inline-block; margin-right: 10px; }
  .sw { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; }
  .hint { color: #6e7681; font-size: 11px; margin-top: 14px; }
  #overview { display: block; width: 100%; height: 180px; cursor: pointer; border: 1px solid #30363d; }
  select { width: 100%; background: #0d1117; color: inherit; border: 1px solid #30363d; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<canvas id="map"></canvas>
<aside id="panel">
  <h1>Zone viewer</h1>
  <div id="mode">–</div>
  <div id="zone-chooser" hidden><h2>Zone</h2><select id="zone-select"></select></div>
  <h2>Overview</h2>
  <canvas id="overview"></canvas>
  <table>
    <tr><th>cursor</th><td id="cursor">–</td></tr>
    <tr><th>scale</th><td id="scale">–</td></tr>
  </table>
  <div id="play-panel" hidden>
    <h2>Prediction</h2>
    <div class="legend">
      <span><i class="sw" style="background:${C.predicted}"></i>predicted</span>
      <span><i class="sw" style="border:2px solid ${C.server}"></i>server</span>
    </div>
    <table><tr><th>gap</th><td id="pred-gap">–</td></tr></table>
  </div>
  <h2>Server</h2>
  <table>
    <tr><th>tick</th><td id="srv-tick">–</td></tr>
    <tr><th>players</th><td id="srv-players">–</td></tr>
    <tr><th>entities</th><td id="srv-entities">–</td></tr>
    <tr><th>tick ms p50/p99/max</th><td id="srv-tickms">–</td></tr>
    <tr><th>bytes out</th><td id="srv-bps">–</td></tr>
  </table>
  <div class="err" id="srv-error"></div>
  <h2>Connection</h2>
  <table>
    <tr><th>state</th><td id="conn-state">–</td></tr>
    <tr><th>url</th><td id="conn-url">–</td></tr>
    <tr><th>zone</th><td id="conn-zone">–</td></tr>
    <tr><th>joined as</th><td id="conn-name">–</td></tr>
    <tr><th>session</th><td id="conn-session">–</td></tr>
    <tr><th>snapshot tick</th><td id="conn-tick">–</td></tr>
    <tr><th>entities in view</th><td id="conn-known">–</td></tr>
    <tr><th>snapshots</th><td id="conn-snapshots">–</td></tr>
    <tr><th>received</th><td id="conn-bytes">–</td></tr>
    <tr><th>rtt</th><td id="conn-rtt">–</td></tr>
  </table>
  <div class="err" id="conn-error"></div>
  <h2>Selected</h2>
  <div id="details" data-net-id="">click an entity</div>
  <h2>Legend</h2>
  <div class="legend">
    <span><i class="sw" style="background:${C.player}"></i>player</span>
    <span><i class="sw" style="background:${C.npc};border-radius:50%"></i>NPC</span>
    <span><i class="sw" style="background:${C.item};transform:rotate(45deg) scale(.8)"></i>item</span>
    <span><i class="sw" style="background:${C.dead}"></i>dead</span>
  </div>
  <div class="hint">Observing: the viewer has no entity and is sent the zone. Playing
    (?play=NAME): click walks there, shift-click selects; ?lag=MS adds a simulated round trip.
    Grid: interest cells. Click: select · drag: pan · wheel: zoom · double-click: fit ·
    overview click: look there.</div>
</aside>
<script src="${src}"></script>
</body>
</html>
`;
}
