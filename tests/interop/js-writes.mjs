// Writes Arrow IPC streams with apache-arrow and polars for our reader, and
// next to each the dump that tests/interop/read_dump must print for it.
// Usage: node js-writes.mjs OUTDIR. Files written:
//   arrow-all.arrow     apache-arrow: every supported type, nulls, batches
//                       of 3, 0, 7, 1, 0 rows
//   polars-N.arrow      polars, N = 1..3: every type we support, as polars
//                       writes it: strings as large utf8 and binary as large
//                       binary (int64 offsets, read as utf8/binary); part 2
//                       has no rows. `cat` of the three reads as one stream
//                       of three batches (polars writes one batch per frame).
//   reject-*.arrow      apache-arrow: a supported column `ok`, then one
//                       column `x` of a type we do not read (ours-reads-js.sh
//                       lists them with the message expected)
//   *.dump              what read_dump prints for the .arrow (or the cat)
import fs from 'node:fs';
import path from 'node:path';
import {
  makeData, RecordBatch, Table, Schema, Field, Struct, tableToIPC, tableFromIPC, vectorFromArray,
  Int64, Int32, Float64, Float32, Bool, Utf8, Binary, Utf8View, Dictionary, Timestamp, TimeUnit,
} from 'apache-arrow';
import pl from 'nodejs-polars';

const outdir = process.argv[2];
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// Edge values per column; row r takes value r modulo the list, and column c
// is null where (r + c) % 5 == 4, so nulls fall in different rows per column.
// No list length is a multiple of 5, or some values would only ever be null.
// A value late in a long list may miss a short stream (arrow-all has 11
// rows, the polars frames 15).
const EDGES = {
  i: [INT64_MIN, INT64_MAX, 0n, -1n, 1n, 4611686018427387904n, -9007199254740993n],
  d: [-0, 5e-324, -1.7976931348623157e308, 1e21, -Infinity, NaN, 0.1,
      2.2250738585072014e-308, -2.5, Infinity, 123456789.125],
  f: [-0, 1.401298464324817e-45, 3.4028234663852886e38, -Infinity, NaN, Math.fround(0.1),
      Math.fround(1 / 3)],
  b: [true, false, false],
  s: ['', '\u00e9', 'tab\there', 'comma,quote"', 'line\nbreak', '\u65e5\u672c\u8a9e',
      '\u{1f600}', ' spaces ', 'back\\slash'],
  bin: [[], [0], [0xff, 0x00, 0x7f], [0x68, 0x69], [0x22, 0x2c, 0x0a], [0x00, 0x00]]
    .map((a) => Uint8Array.from(a)),
  ts: [0n, -1n, 1700000000123456789n, INT64_MIN + 1n, -86400000000000n, 999999999n],
};
const COLUMNS = Object.keys(EDGES);

function value(name, r) {
  const c = COLUMNS.indexOf(name);
  if ((r + c) % 5 === 4) return null;
  return EDGES[name][r % EDGES[name].length];
}

// read_dump's text for one value (see read_dump.c).
function dumpValue(type, v) {
  if (v === null) return 'null';
  const dv = new DataView(new ArrayBuffer(8));
  switch (type) {
    case 'int64': case 'timestamp[ns, UTC]': return BigInt.asIntN(64, v).toString();
    case 'float64': dv.setFloat64(0, v, true); return dv.getBigUint64(0, true).toString(16).padStart(16, '0');
    case 'float32': dv.setFloat32(0, v, true); return dv.getUint32(0, true).toString(16).padStart(8, '0');
    case 'bool': return String(v);
    case 'utf8': case 'binary': {
      const bytes = typeof v === 'string' ? new TextEncoder().encode(v) : v;
      let s = '"';
      for (const b of bytes) {
        s += b < 0x20 || b >= 0x7f || b === 0x22 || b === 0x5c
          ? `\\x${b.toString(16).padStart(2, '0')}` : String.fromCharCode(b);
      }
      return s + '"';
    }
  }
  throw new Error(`no dump form for ${type}`);
}

// columns: [[name, ourTypeName]], batches: list of row counts; rows are
// numbered over the whole stream.
function dump(columns, batches) {
  const lines = columns.map(([n, t]) => `column ${n} ${t}`);
  let r = 0;
  for (const n of batches) {
    lines.push(`batch ${n}`);
    for (let k = 0; k < n; k++, r++)
      for (const [name, type] of columns) lines.push(`${r} ${name} ${dumpValue(type, value(name, r))}`);
  }
  return lines.join('\n') + '\n';
}

// ---- apache-arrow: arrays built from raw buffers, so every value (NaN,
// -0, int64 limits, timestamps in ns) goes in exactly as given.

const ARROW_TYPES = {
  i: [() => new Int64(), 'int64'],
  d: [() => new Float64(), 'float64'],
  f: [() => new Float32(), 'float32'],
  b: [() => new Bool(), 'bool'],
  s: [() => new Utf8(), 'utf8'],
  bin: [() => new Binary(), 'binary'],
  ts: [() => new Timestamp(TimeUnit.NANOSECOND, 'UTC'), 'timestamp[ns, UTC]'],
};

function arrowColumn(name, type, r0, n) {
  const vals = Array.from({ length: n }, (_, k) => value(name, r0 + k));
  const bitmap = new Uint8Array(Math.ceil(n / 8));
  vals.forEach((v, k) => { if (v !== null) bitmap[k >> 3] |= 1 << (k & 7); });
  const nullCount = vals.filter((v) => v === null).length;
  const common = { type, length: n, nullCount, nullBitmap: nullCount ? bitmap : null };
  switch (name) {
    case 'i': case 'ts':
      return makeData({ ...common, data: BigInt64Array.from(vals, (v) => v ?? 0n) });
    case 'd': return makeData({ ...common, data: Float64Array.from(vals, (v) => v ?? 0) });
    case 'f': return makeData({ ...common, data: Float32Array.from(vals, (v) => v ?? 0) });
    case 'b': {
      const bits = new Uint8Array(Math.ceil(n / 8));
      vals.forEach((v, k) => { if (v) bits[k >> 3] |= 1 << (k & 7); });
      return makeData({ ...common, data: bits });
    }
    default: {
      const parts = vals.map((v) => (v === null ? new Uint8Array(0)
        : typeof v === 'string' ? new TextEncoder().encode(v) : v));
      const offsets = new Int32Array(n + 1);
      parts.forEach((p, k) => { offsets[k + 1] = offsets[k] + p.length; });
      const data = new Uint8Array(offsets[n]);
      parts.forEach((p, k) => data.set(p, offsets[k]));
      return makeData({ ...common, valueOffsets: offsets, data });
    }
  }
}

function writeArrowJs() {
  const batches = [3, 0, 7, 1, 0];
  const fields = COLUMNS.map((n) => new Field(n, ARROW_TYPES[n][0](), true));
  const schema = new Schema(fields);
  let r0 = 0;
  const rbs = batches.map((n) => {
    const children = COLUMNS.map((name, c) => arrowColumn(name, fields[c].type, r0, n));
    r0 += n;
    return new RecordBatch(schema, makeData({ type: new Struct(fields), length: n, nullCount: 0, children }));
  });
  const bytes = tableToIPC(new Table(schema, rbs), 'stream');
  fs.writeFileSync(path.join(outdir, 'arrow-all.arrow'), bytes);
  fs.writeFileSync(path.join(outdir, 'arrow-all.dump'),
    dump(COLUMNS.map((n) => [n, ARROW_TYPES[n][1]]), batches));
}

// ---- polars. Its JS constructors lose int64 precision (BigInt input even
// becomes null), so int64 and timestamps start as decimal text and are cast
// inside polars. Binary cannot come from JS values either: it starts as hex
// text that polars decodes itself.

const POLARS_COLUMNS = [['i', 'int64'], ['d', 'float64'], ['f', 'float32'], ['b', 'bool'],
  ['s', 'utf8'], ['bin', 'binary'], ['ts', 'timestamp[ns, UTC]']];

function polarsFrame(r0, n) {
  const rows = Array.from({ length: n }, (_, k) => r0 + k);
  const text = (name, f = String) => pl.Series(name,
    rows.map((r) => { const v = value(name, r); return v === null ? null : f(v); }), pl.Utf8);
  return pl.DataFrame([
    text('i').cast(pl.Int64),
    pl.Series('d', rows.map((r) => value('d', r)), pl.Float64),
    pl.Series('f', rows.map((r) => value('f', r)), pl.Float32),
    pl.Series('b', rows.map((r) => value('b', r)), pl.Bool),
    text('s'),
    text('bin', (v) => Buffer.from(v).toString('hex')),
    text('ts').cast(pl.Int64).cast(pl.Datetime('ns', 'UTC')),
  ]).withColumns(pl.col('bin').str.decode('hex'));
}

// The point of the polars frames is the int64 offsets: fail loudly if a
// polars version writes strings or binary some other way.
const POLARS_WIRE_TYPES = { s: 'LargeUtf8', bin: 'LargeBinary' };

function checkPolarsWireTypes(bytes) {
  for (const f of tableFromIPC(bytes).schema.fields) {
    const want = POLARS_WIRE_TYPES[f.name];
    if (want && String(f.type) !== want)
      throw new Error(`polars wrote column '${f.name}' as ${f.type}, expected ${want}: ` +
        'update js-writes.mjs and ours-reads-js.sh for this polars version');
  }
}

function writePolars() {
  const parts = [6, 0, 9];
  let r0 = 0;
  parts.forEach((n, k) => {
    const bytes = polarsFrame(r0, n).writeIPCStream();
    checkPolarsWireTypes(bytes);
    fs.writeFileSync(path.join(outdir, `polars-${k + 1}.arrow`), bytes);
    r0 += n;
  });
  fs.writeFileSync(path.join(outdir, 'polars-cat.dump'), dump(POLARS_COLUMNS, parts));
}

// ---- apache-arrow: types we do not read. Each stream has a supported
// column first, so the message must name the right column. The dictionary
// stream carries a DictionaryBatch message before its record batch.

const REJECTS = {
  int32: () => vectorFromArray([1, null, -3], new Int32()),
  dictionary: () => vectorFromArray(['a', 'b', null], new Dictionary(new Utf8(), new Int32())),
  utf8view: () => vectorFromArray(['a', 'longer than twelve bytes', null], new Utf8View()),
  'timestamp-ms': () => vectorFromArray([0, 1700000000123, null], new Timestamp(TimeUnit.MILLISECOND)),
  'timestamp-ms-utc': () => vectorFromArray([0, -1, null], new Timestamp(TimeUnit.MILLISECOND, 'UTC')),
};

function writeRejects() {
  for (const [name, column] of Object.entries(REJECTS)) {
    const table = new Table({ ok: vectorFromArray([1.5, null, 2], new Float64()), x: column() });
    fs.writeFileSync(path.join(outdir, `reject-${name}.arrow`), tableToIPC(table, 'stream'));
  }
}

writeArrowJs();
writePolars();
writeRejects();
