// Public face of the live viewer: a page that watches a zone (as an observer, or playing a
// guest with client-side prediction) over the client SDK, with a whole-zone overview and a
// server-status panel.
//
// Serving it (routes on the zone's HTTP server, under the zone's prefix: '' for a lone zone,
// '/zone-N' for a zone behind a world's shared port):
//   GET <prefix>/viewer     → viewerHtml({ scriptSrc: `${prefix}${VIEWER_BUNDLE_PATH}` })
//   GET <prefix>/viewer.js  → await viewerBundle()    application/javascript; charset=utf-8
// The page reads everything else from its own URL (config.ts): the WebSocket at
// ws(s)://<host><prefix>/, status at <prefix>/status, player names at <prefix>/names, the
// zone list at /zones (zones.ts); query options ?zone= ?play= ?lag= ?ws= ?status= ?name=
// ?token= ?cell=.

export { viewerHtml, VIEWER_BUNDLE_PATH, type ViewerHtmlOptions } from './page.js';
export { viewerBundle } from './bundle.js';
export { VIEWER_COLORS } from './colors.js';
export { parseZones, type ZoneListing } from './zones.js';
