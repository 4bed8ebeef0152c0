// A small SVG line chart with two y axes, so a run's figures can be looked at instead of read:
// e.g. tick time (left) and bytes per client (right) against the number of bots; or several
// such panels stacked over one time axis.

export interface Series {
  name: string;
  /** Which y axis the series is read against. */
  axis: 'left' | 'right';
  points: readonly (readonly [number, number])[];
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  leftLabel: string;
  rightLabel?: string;
  series: readonly Series[];
  width?: number;
  height?: number;
}

const COLORS = ['#d9534f', '#337ab7', '#5cb85c', '#f0ad4e'];

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  const m = v / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1000 ? String(Math.round(v)) : String(Number(v.toPrecision(3)));
}

/** The elements of one chart, W × H, drawn from (0, 0). */
function panel(spec: ChartSpec, W: number, H: number): string[] {
  const L = 60, R = spec.rightLabel ? 60 : 20, T = 40, B = 50;
  const pw = W - L - R, ph = H - T - B;
  const all = spec.series.flatMap((s) => s.points);
  const xMin = Math.min(0, ...all.map((p) => p[0]));
  const xMax = niceMax(Math.max(...all.map((p) => p[0]), 1));
  const yMax = (axis: 'left' | 'right') => niceMax(Math.max(0, ...spec.series.filter((s) => s.axis === axis).flatMap((s) => s.points.map((p) => p[1]))));
  const ymax = { left: yMax('left'), right: yMax('right') };
  const sx = (x: number) => L + ((x - xMin) / (xMax - xMin || 1)) * pw;
  const sy = (y: number, axis: 'left' | 'right') => T + ph - (y / ymax[axis]) * ph;
  const out: string[] = [
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(spec.title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = T + (ph * i) / 4;
    out.push(`<line x1="${L}" y1="${y}" x2="${L + pw}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${L - 6}" y="${y + 4}" text-anchor="end">${fmt(ymax.left * (1 - i / 4))}</text>`);
    if (spec.rightLabel) out.push(`<text x="${L + pw + 6}" y="${y + 4}">${fmt(ymax.right * (1 - i / 4))}</text>`);
    const x = L + (pw * i) / 4;
    out.push(`<text x="${x}" y="${T + ph + 16}" text-anchor="middle">${fmt(xMin + ((xMax - xMin) * i) / 4)}</text>`);
  }
  out.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  out.push(`<text x="${L + pw / 2}" y="${H - 12}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${T + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.leftLabel)}</text>`);
  if (spec.rightLabel) out.push(`<text transform="translate(${W - 12} ${T + ph / 2}) rotate(90)" text-anchor="middle">${esc(spec.rightLabel)}</text>`);
  spec.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y, s.axis).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"><title>${esc(s.name)}</title></polyline>`);
    for (const [x, y] of s.points) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y, s.axis).toFixed(1)}" r="2.5" fill="${color}"/>`);
    out.push(`<rect x="${L + 10}" y="${T + 8 + i * 16}" width="10" height="10" fill="${color}"/><text x="${L + 24}" y="${T + 17 + i * 16}">${esc(s.name)} (${s.axis})</text>`);
  });
  return out;
}

function svg(W: number, H: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    ...body,
    '</svg>',
  ].join('\n') + '\n';
}

export function lineChart(spec: ChartSpec): string {
  const W = spec.width ?? 640, H = spec.height ?? 360;
  return svg(W, H, panel(spec, W, H));
}

/** Charts one above the other in one SVG document (e.g. several figures against the same time axis). */
export function stackedCharts(specs: readonly ChartSpec[]): string {
  const W = Math.max(...specs.map((s) => s.width ?? 640));
  let top = 0;
  const body = specs.flatMap((spec) => {
    const H = spec.height ?? 360;
    const g = [`<g transform="translate(0 ${top})">`, ...panel(spec, W, H), '</g>'];
    top += H;
    return g;
  });
  return svg(W, top, body);
}
