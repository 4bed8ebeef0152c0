// Public face of the live viewer: a page that joins a zone as a guest over the client SDK and
// draws its view on a canvas, with a server-status panel.
//
// Serving it (two routes on the zone's HTTP server):
//   GET /viewer     → viewerHtml()            text/html; charset=utf-8
//   GET /viewer.js  → await viewerBundle()    application/javascript; charset=utf-8
// The page loads its script from VIEWER_BUNDLE_PATH (override with viewerHtml({ scriptSrc })),
// connects to ws(s)://<page host>/ and polls /status on the page's origin; both can be
// overridden with the query string (?ws=...&status=...&name=...&token=...&cell=...).

export { viewerHtml, VIEWER_BUNDLE_PATH, type ViewerHtmlOptions } from './page.js';
export { viewerBundle } from './bundle.js';
export { VIEWER_COLORS } from './colors.js';
