// Reads the sample stream that our writer produced (tests/interop/gen_sample)
// with two independent Arrow implementations, apache-arrow and polars, and
// compares the schema, the batch sizes and every cell with sample.mjs.
// Usage: node js-reads-ours.mjs FILE LABEL; exit status 1 on any mismatch.
import fs from 'node:fs';
import { tableFromIPC, Type, TimeUnit, Precision } from 'apache-arrow';
import pl from 'nodejs-polars';
import { SAMPLE_BATCHES, SAMPLE_COLUMNS, sampleRows, Mismatches } from './sample.mjs';

const [file, label = file] = process.argv.slice(2);
const bytes = fs.readFileSync(file);
const want = sampleRows();
let failed = false;

function checkArrowJs() {
  const m = new Mismatches(`${label}: apache-arrow`);
  const t = tableFromIPC(bytes);
  const f = t.schema.fields;
  const wantTypes = [
    (ty) => ty.typeId === Type.Int && ty.bitWidth === 64 && ty.isSigned,
    (ty) => ty.typeId === Type.Float && ty.precision === Precision.DOUBLE,
    (ty) => ty.typeId === Type.Float && ty.precision === Precision.SINGLE,
    (ty) => ty.typeId === Type.Bool,
    (ty) => ty.typeId === Type.Utf8,
    (ty) => ty.typeId === Type.Binary,
    (ty) => ty.typeId === Type.Timestamp && ty.unit === TimeUnit.NANOSECOND && ty.timezone === 'UTC',
  ];
  m.check('column names', f.map((x) => x.name).join(','), SAMPLE_COLUMNS.join(','));
  f.forEach((x, c) => {
    if (!wantTypes[c]?.(x.type)) m.fail(`column '${x.name}': unexpected type ${x.type}`);
  });
  m.check('batch sizes', t.batches.map((b) => b.numRows).join(','), SAMPLE_BATCHES.join(','));

  let row0 = 0;
  for (const batch of t.batches) {
    SAMPLE_COLUMNS.forEach((name, c) => {
      const vec = batch.getChildAt(c);
      const data = vec.data[0];
      for (let i = 0; i < batch.numRows; i++) {
        const r = row0 + i;
        let got = null;
        if (vec.isValid(i)) {
          // get() turns int64 into BigInt but timestamps into lossy
          // milliseconds: read the raw 64-bit values for both.
          got = name === 'i' || name === 'ts' ? data.values[data.offset + i] : vec.get(i);
        }
        m.check(`row ${r} column '${name}'`, got, want[r][name]);
      }
    });
    row0 += batch.numRows;
  }
  m.check('rows', row0, want.length);
  return m.n === 0;
}

// The polars dtype of a column as a string. Binary columns cannot even show
// their dtype in JS ("DataType Binary is not supported for JS conversion"),
// so that error is taken as the answer.
function polarsType(df, name) {
  try {
    return String(df.getColumn(name).dtype);
  } catch (e) {
    const m = /DataType (\w+) is not supported for JS conversion/.exec(e.message);
    if (m) return `DataType(${m[1]})`;
    throw e;
  }
}

function checkPolars() {
  const m = new Mismatches(`${label}: polars`);
  const df = pl.readIPCStream(bytes);
  const wantTypes = {
    i: ['DataType(Int64)'],
    d: ['DataType(Float64)'],
    f: ['DataType(Float32)'],
    b: ['DataType(Bool)'],
    s: ['DataType(String)', 'DataType(Utf8)'],
    bin: ['DataType(Binary)'],
    ts: ['DataType(Datetime(ns,UTC))'],
  };
  m.check('column names', df.columns.join(','), SAMPLE_COLUMNS.join(','));
  for (const name of SAMPLE_COLUMNS) {
    const got = polarsType(df, name);
    if (!wantTypes[name].includes(got)) m.fail(`column '${name}': type ${got}, want ${wantTypes[name][0]}`);
  }
  m.check('rows', df.height, want.length);
  // Polars reads int64 into JS numbers (53 bits) and cannot hand binary to
  // JS: convert in polars first, to decimal text and to lists of bytes.
  const recs = df.select(
    pl.col('i').cast(pl.Utf8),
    pl.col('d'),
    pl.col('f'),
    pl.col('b'),
    pl.col('s'),
    pl.col('bin').cast(pl.List(pl.UInt8)),
    pl.col('ts').cast(pl.Int64).cast(pl.Utf8),
  ).toRecords();
  recs.forEach((rec, r) => {
    const got = {
      i: rec.i === null ? null : BigInt(rec.i),
      d: rec.d,
      f: rec.f,
      b: rec.b,
      s: rec.s,
      bin: rec.bin === null ? null : Uint8Array.from(rec.bin),
      ts: rec.ts === null ? null : BigInt(rec.ts),
    };
    for (const name of SAMPLE_COLUMNS)
      m.check(`row ${r} column '${name}'`, got[name], want[r]?.[name]);
  });
  return m.n === 0;
}

for (const check of [checkArrowJs, checkPolars]) {
  try {
    if (!check()) failed = true;
  } catch (e) {
    // A reader that throws rejected our stream: that is a failure, with its reason.
    console.error(`${label}: ${check.name}: ${e.stack ?? e}`);
    failed = true;
  }
}
if (!failed) console.log(`${label}: apache-arrow and polars read ${want.length} rows, every cell as expected`);
process.exit(failed ? 1 : 0);
