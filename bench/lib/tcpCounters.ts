// The kernel's TCP counters (Linux, /proc/net/snmp and /proc/net/netstat), for this network
// namespace: a bench differences two readings to tell whether a step's slow frames and failed
// joins came with lost packets. On a saturated core loopback drops packets as any link does
// (the per-CPU backlog fills, an accept queue overflows), and TCP resends them after 200 ms or
// more: a staleness tail of that size is the kernel's, not the zone's queue.

import { readFileSync } from 'node:fs';

export interface TcpCounters {
  /** Segments sent again (Tcp RetransSegs). */
  retransSegs: number;
  /** Connections dropped because a listen socket's accept queue was full (TcpExt ListenOverflows). */
  listenOverflows: number;
}

/** A counter from a /proc/net file whose lines come in pairs: "Prefix: names…" then "Prefix: values…". */
function counter(file: string, prefix: string, name: string): number {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith(`${prefix}: `));
  const names = lines[0]?.split(' ') ?? [], values = lines[1]?.split(' ') ?? [];
  const i = names.indexOf(name);
  if (i < 1) throw new Error(`${file}: no ${prefix} ${name}`);
  return Number(values[i]);
}

/** The counters now; undefined where /proc/net cannot be read. */
export function tcpCounters(): TcpCounters | undefined {
  try {
    return { retransSegs: counter('/proc/net/snmp', 'Tcp', 'RetransSegs'), listenOverflows: counter('/proc/net/netstat', 'TcpExt', 'ListenOverflows') };
  } catch {
    return undefined;
  }
}

/** What the counters gained from `a` to `b`. */
export function tcpGained(a: TcpCounters | undefined, b: TcpCounters | undefined): TcpCounters | undefined {
  return a && b ? { retransSegs: b.retransSegs - a.retransSegs, listenOverflows: b.listenOverflows - a.listenOverflows } : undefined;
}
