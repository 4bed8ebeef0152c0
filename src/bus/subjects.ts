// Bus subjects: NATS-style dot-separated tokens.
//
// Application subjects (`chat.global.main`, `zone.3.transfer`, `server.status`) are
// 1..16 tokens of [A-Za-z0-9_-] (each 1..64 characters, 256 characters in all); the first
// token must not start with `_` (reserved). Subscriptions may use `*` for exactly one token
// and a final `>` for one or more tokens, as in NATS.
//
// On the wire every application subject is prefixed by the bus namespace (`mmo.` by default)
// so that several clusters can share one nats-server; handshake traffic lives outside it, on
// `_bus.<namespace>.hello` and `_bus.<namespace>.ack.<serverId>`.

const TOKEN_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_SUBJECT_CHARS = 256;
const MAX_TOKENS = 16;

/** Checks an application subject (or, with wildcards, a subscription pattern); null if fine. */
export function subjectProblem(subject: unknown, wildcards: boolean): string | null {
  if (typeof subject !== 'string' || subject.length === 0) return 'subject must be a non-empty string';
  if (subject.length > MAX_SUBJECT_CHARS) return `subject longer than ${MAX_SUBJECT_CHARS} characters`;
  const tokens = subject.split('.');
  if (tokens.length > MAX_TOKENS) return `subject has more than ${MAX_TOKENS} tokens`;
  if (tokens[0].startsWith('_')) return 'subjects starting with "_" are reserved';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (wildcards && t === '*') continue;
    if (wildcards && t === '>' && i === tokens.length - 1) continue;
    if (!TOKEN_RE.test(t)) {
      return `bad subject token "${t}" in "${subject}"${wildcards ? '' : ' (no wildcards when publishing)'}`;
    }
  }
  return null;
}

export function checkNamespace(ns: unknown): string {
  if (typeof ns !== 'string' || !/^[A-Za-z0-9-][A-Za-z0-9_-]{0,31}$/.test(ns)) {
    throw new RangeError(`bus namespace must be 1..32 characters of [A-Za-z0-9_-], not starting with "_": ${String(ns)}`);
  }
  return ns;
}

/** True when a concrete subject matches a pattern (both as token arrays). */
export function subjectMatches(pattern: readonly string[], subject: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p === '>') return subject.length > i;
    if (i >= subject.length) return false;
    if (p !== '*' && p !== subject[i]) return false;
  }
  return pattern.length === subject.length;
}

export function handshakeSubject(ns: string): string {
  return `_bus.${ns}.hello`;
}

export function ackSubject(ns: string, serverId: string): string {
  return `_bus.${ns}.ack.${serverId}`;
}
