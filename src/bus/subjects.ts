// Bus subjects: NATS-style dot-separated tokens, and the wire layout that carries the sender.
//
// Application subjects (`chat.global.main`, `zone.3.transfer`) are 1..16 tokens of
// [A-Za-z0-9_-] (each 1..64 characters, 256 characters in all). Subscriptions may use `*` for
// exactly one token and a final `>` for one or more tokens, as in NATS.
//
// On the wire a server publishes subject S as `<ns>.from.<serverId>.S` and subscribes to
// pattern P as `<ns>.from.*.P`. The broker (nats-server's user permissions, or the in-process
// hub's) lets a server publish only under its own `<ns>.from.<serverId>.>`, so the receiver
// reads the sender from the subject: it is who the broker authenticated, not a claim.

const TOKEN_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_SUBJECT_CHARS = 256;
const MAX_TOKENS = 16;

/** Checks an application subject (or, with wildcards, a subscription pattern); null if fine. */
export function subjectProblem(subject: unknown, wildcards: boolean): string | null {
  if (typeof subject !== 'string' || subject.length === 0) return 'subject must be a non-empty string';
  if (subject.length > MAX_SUBJECT_CHARS) return `subject longer than ${MAX_SUBJECT_CHARS} characters`;
  const tokens = subject.split('.');
  if (tokens.length > MAX_TOKENS) return `subject has more than ${MAX_TOKENS} tokens`;
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

/** A server id: 1..64 characters of [A-Za-z0-9_-] (one subject token). */
export function isServerId(s: unknown): s is string {
  return typeof s === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(s);
}

/** A namespace, checked: it is the first wire token, so several worlds can share one broker. */
export function checkNamespace(ns: unknown): string {
  if (typeof ns !== 'string' || !/^[A-Za-z0-9-][A-Za-z0-9_-]{0,31}$/.test(ns)) {
    throw new RangeError(`bus namespace must be 1..32 characters of [A-Za-z0-9_-], not starting with "_": ${String(ns)}`);
  }
  return ns;
}

/** Where server `from` publishes application subject `subject`. */
export function wireSubject(ns: string, from: string, subject: string): string {
  return `${ns}.from.${from}.${subject}`;
}

/** What a server subscribes to for application pattern `pattern` (from any sender). */
export function wirePattern(ns: string, pattern: string): string {
  return `${ns}.from.*.${pattern}`;
}

/** The one publish permission of server `serverId`: everything under its own prefix. */
export function publishPermission(ns: string, serverId: string): string {
  return `${ns}.from.${serverId}.>`;
}

/** Sender and application subject of a wire subject that matched a wirePattern, or null. */
export function splitWireSubject(ns: string, wire: string): { from: string; subject: string } | null {
  const head = `${ns}.from.`;
  if (!wire.startsWith(head)) return null;
  const dot = wire.indexOf('.', head.length);
  if (dot < 0) return null;
  return { from: wire.slice(head.length, dot), subject: wire.slice(dot + 1) };
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

/**
 * True when every subject a subscription `pattern` can match is also matched by `allowed`
 * (nats-server's rule for subscribe permissions: `a.*` allows `a.b` and `a.*`, not `a.>`).
 */
export function patternWithin(pattern: readonly string[], allowed: readonly string[]): boolean {
  for (let i = 0; i < allowed.length; i++) {
    const a = allowed[i];
    if (a === '>') return pattern.length > i;
    if (i >= pattern.length) return false;
    const p = pattern[i];
    if (p === '>') return false;
    if (a !== '*' && (p === '*' || p !== a)) return false;
  }
  return pattern.length === allowed.length;
}
