// Field checks for untrusted input (HTTP bodies, API calls from other processes). Each check
// names the field it refuses, so a caller can tell a client exactly what was wrong.

/** One field of the input is missing, ill-typed or out of range. */
export class FieldError extends Error {
  override name = 'FieldError';
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

/** A plain JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Refuses keys outside `allowed`, so a misspelt optional field is not silently ignored. */
export function onlyFields(obj: Record<string, unknown>, allowed: readonly string[], where = ''): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new FieldError(where + k, `unknown field (allowed: ${allowed.join(', ')})`);
  }
}

/** Own property only: a body's `__proto__` or `constructor` never reads through to Object.prototype. */
export function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/** Unicode code points in a well-formed string. */
export function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

export interface TextRule {
  /** Code points, inclusive. */
  min: number;
  max: number;
  /** Optional cap on UTF-8 bytes. */
  maxBytes?: number;
}

/**
 * A printable string: well-formed UTF-16 (no lone surrogates), no C0/C1 control characters or
 * DEL, `min..max` code points. Anything else printable (quotes, semicolons, SQL, emoji) is kept
 * verbatim: nothing here is ever spliced into a query or markup.
 */
export function text(v: unknown, field: string, rule: TextRule): string {
  if (typeof v !== 'string') throw new FieldError(field, `must be a string, got ${typeOf(v)}`);
  if (!v.isWellFormed()) throw new FieldError(field, 'is not well-formed Unicode (lone surrogate)');
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      throw new FieldError(field, `contains control character U+${c.toString(16).padStart(4, '0')}`);
    }
  }
  const n = codePoints(v);
  if (n < rule.min || n > rule.max) throw new FieldError(field, `has ${n} characters, allowed ${rule.min}..${rule.max}`);
  if (rule.maxBytes !== undefined && Buffer.byteLength(v, 'utf8') > rule.maxBytes) {
    throw new FieldError(field, `is longer than ${rule.maxBytes} bytes of UTF-8`);
  }
  return v;
}

/** A string matching `re` (which also bounds its length). */
export function pattern(v: unknown, field: string, re: RegExp, what: string): string {
  if (typeof v !== 'string') throw new FieldError(field, `must be a string, got ${typeOf(v)}`);
  if (!re.test(v)) throw new FieldError(field, `must be ${what}`);
  return v;
}

/** An integer in `min..max`. */
export function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number') throw new FieldError(field, `must be a number, got ${typeOf(v)}`);
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new FieldError(field, `must be an integer in ${min}..${max}, got ${v}`);
  return v;
}

/** A finite number in `min..max`. */
export function num(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number') throw new FieldError(field, `must be a number, got ${typeOf(v)}`);
  if (!Number.isFinite(v) || v < min || v > max) throw new FieldError(field, `must be a finite number in ${min}..${max}, got ${v}`);
  return v;
}

/** One of `values`. */
export function oneOf<T extends string>(v: unknown, field: string, values: readonly T[]): T {
  if (typeof v !== 'string') throw new FieldError(field, `must be a string, got ${typeOf(v)}`);
  if (!(values as readonly string[]).includes(v)) {
    throw new FieldError(field, `must be one of ${values.join(', ')}, got ${JSON.stringify(v.slice(0, 40))}`);
  }
  return v as T;
}

/** Throws when the field is absent (undefined); `null` is a present, ill-typed value. */
export function required(obj: Record<string, unknown>, key: string, where = ''): unknown {
  const v = own(obj, key);
  if (v === undefined) throw new FieldError(where + key, 'is required');
  return v;
}
