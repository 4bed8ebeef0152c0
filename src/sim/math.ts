// Deterministic math. +, -, *, / and Math.sqrt are exactly rounded by IEEE 754, so they give
// the same bits on every engine; Math.atan2 and friends are not specified that tightly, so
// headings are computed here from basic operations only.

const PI = Math.PI;
const HALF_PI = PI / 2;

/** atan(z) for z in [0, 1]: range reduction around tan(π/8) plus an odd polynomial (|err| < 1e-7). */
function atanUnit(z: number): number {
  // tan(π/8) = √2 − 1: reduce z > that with atan(z) = π/4 + atan((z − 1) / (z + 1)).
  let offset = 0;
  if (z > 0.41421356237309503) {
    z = (z - 1) / (z + 1);
    offset = PI / 4;
  }
  const z2 = z * z;
  // Taylor terms to z^17: |z| ≤ tan(π/8) makes the remainder below 1e-8.
  const p =
    1 +
    z2 * (-1 / 3 + z2 * (1 / 5 + z2 * (-1 / 7 + z2 * (1 / 9 + z2 * (-1 / 11 + z2 * (1 / 13 + z2 * (-1 / 15 + z2 * (1 / 17))))))));
  return offset + z * p;
}

/** Heading of (x, y) in radians, in (-π, π]; atan2 built from exactly rounded operations. */
export function heading(y: number, x: number): number {
  if (x === 0 && y === 0) return 0;
  const ax = Math.abs(x), ay = Math.abs(y);
  let a = ay <= ax ? atanUnit(ay / ax) : HALF_PI - atanUnit(ax / ay);
  if (x < 0) a = PI - a;
  // (-π, π]: a tiny negative y behind the origin can round to exactly π; that heading is +π.
  return y < 0 && a !== PI ? -a : a;
}

/** Wraps an angle into (-π, π]. */
export function wrapAngle(a: number): number {
  const TWO_PI = 2 * PI;
  let r = a % TWO_PI; // fmod is exact in IEEE 754
  if (r <= -PI) r += TWO_PI;
  else if (r > PI) r -= TWO_PI;
  return r;
}

export function distSq(ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax, dy = by - ay;
  return dx * dx + dy * dy;
}

export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
