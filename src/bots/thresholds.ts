// Pass/fail rules on a swarm report's figures, in the manner of k6: `server.tickMs.p99<20`,
// `disconnected==0`. `mmo bots` exits non-zero when one fails, so a run can gate CI.

import type { SwarmReport } from './swarm.js';

const OPERATORS = ['<=', '>=', '==', '!=', '<', '>'] as const;
type Operator = (typeof OPERATORS)[number];

export interface Threshold {
  /** As the user wrote it. */
  text: string;
  figure: string;
  op: Operator;
  value: number;
}

export interface ThresholdResult {
  threshold: Threshold;
  /** The figure in the report; undefined when the run could not measure it (no server status). */
  actual: number | undefined;
  ok: boolean;
}

type Figure = (r: SwarmReport) => number | undefined;
const total = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

// The figures of a nested object, named `prefix.key` (e.g. rttMs.p99).
function nested<T>(prefix: string, keys: readonly (keyof T & string)[], of: (r: SwarmReport) => T | undefined): Record<string, Figure> {
  return Object.fromEntries(keys.map((k) => [`${prefix}.${k}`, (r: SwarmReport) => of(r)?.[k] as number | undefined]));
}

/** Every figure a threshold may name: the report's numbers, by their JSON path. */
export const FIGURES: Readonly<Record<string, Figure>> = {
  connected: (r) => r.connected,
  failed: (r) => r.failed,
  disconnected: (r) => r.disconnected,
  errors: (r) => total(r.errors),
  loginRetries: (r) => r.loginRetries,
  tickGaps: (r) => r.tickGaps,
  framesPerBotPerSec: (r) => r.framesPerBotPerSec,
  bytesPerBotPerSec: (r) => r.bytesPerBotPerSec,
  snapshotsPerBotPerSec: (r) => r.snapshotsPerBotPerSec,
  ...nested<SwarmReport['rttMs']>('rttMs', ['p50', 'p95', 'p99', 'mean'], (r) => r.rttMs),
  ...nested<SwarmReport['snapshotIntervalMs']>('snapshotIntervalMs', ['p50', 'p99', 'max', 'stddev'], (r) => r.snapshotIntervalMs),
  ...nested<NonNullable<SwarmReport['server']['tickMs']>>('server.tickMs', ['p50', 'p99', 'max'], (r) => r.server.tickMs),
  'server.missedTicks': (r) => r.server.missedTicks,
  'server.playersAtPeak': (r) => r.server.playersAtPeak,
  'server.framesOut': (r) => r.server.framesOut,
  'server.bytesOut': (r) => r.server.bytesOut,
};

const RULE = /^\s*([A-Za-z][\w.]*)\s*(<=|>=|==|!=|<|>)\s*(-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*$/i;

/** `FIGURE OP NUMBER`; a rule that does not parse or names no figure is refused with the reason. */
export function parseThreshold(text: string): Threshold {
  const m = RULE.exec(text);
  if (!m) throw new Error(`threshold '${text}': expected FIGURE OP NUMBER, e.g. 'server.tickMs.p99<20', with OP one of ${OPERATORS.join(' ')}`);
  const [, figure, op, value] = m;
  if (!(figure in FIGURES)) throw new Error(`threshold '${text}': no figure '${figure}' (figures: ${Object.keys(FIGURES).join(', ')})`);
  return { text: text.trim(), figure, op: op as Operator, value: Number(value) };
}

/** Applies unless the user gave a threshold on `failed`: a bot that could not join fails the run. */
export const DEFAULT_THRESHOLDS: readonly Threshold[] = [parseThreshold('failed==0')];

function holds(actual: number, op: Operator, value: number): boolean {
  switch (op) {
    case '<': return actual < value;
    case '<=': return actual <= value;
    case '>': return actual > value;
    case '>=': return actual >= value;
    case '==': return actual === value;
    case '!=': return actual !== value;
  }
}

/** The user's thresholds plus the defaults they do not override; a figure not measured fails. */
export function checkThresholds(report: SwarmReport, given: readonly Threshold[]): ThresholdResult[] {
  const named = new Set(given.map((t) => t.figure));
  const all = [...given, ...DEFAULT_THRESHOLDS.filter((t) => !named.has(t.figure))];
  return all.map((threshold) => {
    const actual = FIGURES[threshold.figure](report);
    return { threshold, actual, ok: actual !== undefined && holds(actual, threshold.op, threshold.value) };
  });
}

export function formatThresholds(results: readonly ThresholdResult[]): string {
  return results.map((r) => `${r.ok ? 'pass' : 'FAIL'}  ${r.threshold.text}  (${r.actual === undefined ? 'not measured' : r.actual})`).join('\n');
}
