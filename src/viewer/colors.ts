// Colours of the viewer's canvases (shared by the browser code and the tests that look for them).

export const VIEWER_COLORS = {
  background: '#0d1117',
  zone: '#161f2b',
  grid: '#2b3b4f',
  border: '#4b6584',
  player: '#3fa9f5',
  npc: '#e5484d',
  item: '#f5c542',
  dead: '#6b7280',
  own: '#ffffff',
  selected: '#ffffff',
  hp: '#3fb950',
  hpBack: '#3d1d1f',
  label: '#d0d7de',
  scale: '#9aa4b2',
  /** Play mode: the client's prediction of its player (filled). */
  predicted: '#a371f7',
  /** Play mode: the server's (authoritative) position of it (hollow). */
  server: '#ff8c1a',
  correction: '#8b949e',
  /** Overview: the part of the zone the map shows. */
  window: '#e6edf3',
} as const;
