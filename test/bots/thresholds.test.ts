import { describe, expect, it } from 'vitest';
import { checkThresholds, FIGURES, parseThreshold } from '../../src/bots/thresholds.js';
import type { SwarmReport } from '../../src/bots/index.js';

function report(over: Partial<SwarmReport> = {}): SwarmReport {
  return {
    url: 'ws://127.0.0.1:1/', count: 10, behavior: 'mixed', durationS: 1, workers: 1, interrupted: false,
    connected: 10, failed: 0, loginRetries: 0, rejoined: 0, disconnected: 0, disconnectReasons: {}, failureReasons: {}, errors: {},
    framesReceived: 100, bytesReceived: 1000, tickGaps: 0, framesPerBotPerSec: 20, bytesPerBotPerSec: 300, snapshotsPerBotPerSec: 20,
    rttMs: { p50: 1, p95: 2, p99: 3, mean: 1.5 }, snapshotIntervalMs: { p50: 50, p99: 60, max: 70, stddev: 2 },
    server: { tickMs: { p50: 1, p99: 12, max: 15 }, missedTicks: 0, playersAtPeak: 10, framesOut: 100, bytesOut: 1000 },
    ...over,
  };
}

describe('parseThreshold', () => {
  it('reads FIGURE OP NUMBER with every operator, spaces allowed', () => {
    expect(parseThreshold('server.tickMs.p99<20')).toEqual({ text: 'server.tickMs.p99<20', figure: 'server.tickMs.p99', op: '<', value: 20 });
    expect(parseThreshold(' disconnected == 0 ')).toMatchObject({ figure: 'disconnected', op: '==', value: 0 });
    for (const op of ['<', '<=', '>', '>=', '==', '!=']) expect(parseThreshold(`rttMs.p99${op}1.5`).op).toBe(op);
    expect(parseThreshold('bytesPerBotPerSec>=2e3').value).toBe(2000);
  });

  it('refuses what does not parse, saying what it expects', () => {
    for (const bad of ['', 'tick<', '<20', 'failed=0', 'failed==zero', 'failed==0;rm', 'failed 0']) {
      expect(() => parseThreshold(bad)).toThrow(/expected FIGURE OP NUMBER/);
    }
  });

  it('refuses a figure the report does not have, listing those it has', () => {
    expect(() => parseThreshold('server.tickMs.p95<20')).toThrow(/no figure 'server\.tickMs\.p95' \(figures: .*server\.tickMs\.p99/);
  });

  it('names only figures a report has', () => {
    for (const [name, read] of Object.entries(FIGURES)) expect(typeof read(report()), name).toBe('number');
  });
});

describe('checkThresholds', () => {
  it('passes and fails on the figures, and adds failed==0 unless a threshold names failed', () => {
    const results = checkThresholds(report({ disconnected: 2 }), [parseThreshold('server.tickMs.p99<20'), parseThreshold('disconnected==0')]);
    expect(results.map((r) => [r.threshold.text, r.ok, r.actual])).toEqual([
      ['server.tickMs.p99<20', true, 12], ['disconnected==0', false, 2], ['failed==0', true, 0],
    ]);
    expect(checkThresholds(report({ failed: 13 }), []).map((r) => r.ok)).toEqual([false]);
    expect(checkThresholds(report({ failed: 13 }), [parseThreshold('failed<20')]).map((r) => [r.threshold.text, r.ok])).toEqual([['failed<20', true]]);
  });

  it('fails a threshold whose figure was not measured (no server status)', () => {
    const [r] = checkThresholds(report({ server: { error: 'ECONNREFUSED' } }), [parseThreshold('server.tickMs.p99<20')]);
    expect(r).toMatchObject({ ok: false, actual: undefined });
  });
});
