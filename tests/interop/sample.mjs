// The sample table of tests/common/sample_stream.c, computed again here from
// the same formula, so the JS readers are checked against values that never
// went through our writer.

export const SAMPLE_BATCHES = [5, 0, 1, 1000, 0];
export const SAMPLE_COLUMNS = ['i', 'd', 'f', 'b', 's', 'bin', 'ts'];

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// Row r (0-based over the whole stream): null in every column when r % 3 == 2.
// int64 and timestamp values are BigInt, bin is a Uint8Array.
export function sampleRow(r) {
  if (r % 3 === 2)
    return Object.fromEntries(SAMPLE_COLUMNS.map((c) => [c, null]));
  const big = BigInt(r);
  return {
    i: r === 0 ? INT64_MIN : r === 1 ? INT64_MAX : big * 1000003n,
    d: r === 1 ? -0 : r === 3 ? 5e-324 : r / 7,
    // C computes (float)r / 3 in single precision; a double quotient rounded
    // once to single is the same value (double holds more than 2*24+2 bits).
    f: Math.fround(r / 3),
    b: r % 2 === 1,
    s: `v${r}\u00e9`,
    bin: new Uint8Array([0, 1]).subarray(0, r % 3),
    ts: big * 1000000007n,
  };
}

export function sampleRows() {
  const n = SAMPLE_BATCHES.reduce((a, b) => a + b, 0);
  return Array.from({ length: n }, (_, r) => sampleRow(r));
}

// Equality that tells -0 from 0, matches NaN, and compares bytes.
export function same(a, b) {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) return false;
    return a.length === b.length && a.every((x, k) => x === b[k]);
  }
  return Object.is(a, b);
}

export function show(v) {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `bytes[${[...v].join(',')}]`;
  if (Object.is(v, -0)) return '-0';
  return JSON.stringify(v) ?? String(v);
}

// Collects mismatches; prints at most a few, so a broken reader does not
// flood the log.
export class Mismatches {
  constructor(label) { this.label = label; this.n = 0; }
  check(where, got, want) {
    if (same(got, want)) return;
    if (++this.n <= 20)
      console.error(`${this.label}: ${where}: got ${show(got)}, want ${show(want)}`);
  }
  fail(msg) {
    if (++this.n <= 20) console.error(`${this.label}: ${msg}`);
  }
}
