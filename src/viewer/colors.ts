// Colours of the viewer's canvas (shared by the browser code and the tests that look for them).

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
} as const;
