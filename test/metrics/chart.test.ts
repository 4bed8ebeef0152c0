import { describe, expect, it } from 'vitest';
import { lineChart, stackedCharts } from '../../src/metrics/index.js';

describe('lineChart', () => {
  const svg = lineChart({
    title: 'tick & <bytes>', xLabel: 'bots', leftLabel: 'ms', rightLabel: 'KB/s',
    series: [
      { name: 'tick p99', axis: 'left', points: [[500, 4], [1000, 9], [2000, 21]] },
      { name: 'KB/s', axis: 'right', points: [[500, 1.2], [1000, 1.3], [2000, 1.5]] },
    ],
  });

  it('is one SVG document with a polyline of every point per series', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const lines = [...svg.matchAll(/<polyline[^>]*points="([^"]*)"/g)].map((m) => m[1].split(' '));
    expect(lines.map((l) => l.length)).toEqual([3, 3]);
  });

  it('scales each series against its own axis, inside the plot area', () => {
    const [left, right] = [...svg.matchAll(/points="([^"]*)"/g)].map((m) => m[1].split(' ').map((p) => p.split(',').map(Number)));
    // x grows with the bot count; the largest value of each series is its highest point (smallest y).
    expect(left.map((p) => p[0])).toEqual([...left.map((p) => p[0])].sort((a, b) => a - b));
    expect(Math.min(...left.map((p) => p[1]))).toBe(left[2][1]);
    expect(Math.min(...right.map((p) => p[1]))).toBe(right[2][1]);
    for (const [x, y] of [...left, ...right]) {
      expect(x).toBeGreaterThanOrEqual(60);
      expect(y).toBeGreaterThanOrEqual(40);
      expect(y).toBeLessThanOrEqual(310);
    }
  });

  it('escapes text', () => {
    expect(svg).toContain('tick &#38; &#60;bytes&#62;');
    expect(svg).not.toContain('<bytes>');
  });
});

describe('stackedCharts', () => {
  const svg = stackedCharts([
    { title: 'a', xLabel: 's', leftLabel: 'ms', rightLabel: 'bots', series: [{ name: 'tick', axis: 'left', points: [[1, 2], [2, 3]] }, { name: 'bots', axis: 'right', points: [[1, 10], [2, 20]] }] },
    { title: 'b', xLabel: 's', leftLabel: 'KB/s', series: [{ name: 'kb', axis: 'left', points: [[1, 5], [2, 6]] }], height: 200 },
  ]);

  it('is one SVG document, the panels one above the other, as tall as both', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="560"')).toBe(true);
    expect([...svg.matchAll(/<g transform="translate\(0 (\d+)\)">/g)].map((m) => Number(m[1]))).toEqual([0, 360]);
    expect([...svg.matchAll(/<polyline[^>]*><title>([^<]+)</g)].map((m) => m[1])).toEqual(['tick', 'bots', 'kb']);
    expect(svg.match(/<svg/g)).toHaveLength(1);
  });
});
