// Checks `rec-cat --out jsonl` output against a read_dump-format file (see
// read_dump.c): one object per row, keys = columns in order, null as null,
// int64 as JSON numbers with all their digits, floats that read back as the
// identical value, binary as a hex string, timestamps as ISO 8601 with nine
// fraction digits and Z (libstage/stage_text.h). JSON has no NaN or
// infinities: accepted are the text writers' nan, inf, -inf (stage_text.h)
// and the NaN, Infinity, -Infinity of JavaScript and Python's json module,
// bare or quoted; the CLI cases pin down the exact form.
// Usage: node check-jsonl.mjs EXPECTED.dump GOT.jsonl; exit 1 on mismatch.
import fs from 'node:fs';

const [dumpFile, jsonlFile] = process.argv.slice(2);
let errors = 0;
function fail(msg) {
  if (++errors <= 20) console.error(`${jsonlFile}: ${msg}`);
}

// Parses the dump into columns [[name, type]] and rows [{name: text}].
function readDump(text) {
  const columns = [];
  const rows = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    let m;
    if ((m = /^column (\S+) (.+)$/.exec(line))) columns.push([m[1], m[2]]);
    else if ((m = /^(\d+) (\S+) (.*)$/.exec(line))) (rows[+m[1]] ??= {})[m[2]] = m[3];
  }
  return { columns, rows };
}

// A flat JSON object, keeping each value's source text: JSON.parse would
// round int64 to a double.
function parseFlatObject(line) {
  const re = /\s*("(?:[^"\\]|\\.)*"|-?[A-Za-z0-9.+-]+|[{}:,])/gy;
  const tokens = [];
  let m;
  let end = 0; // a failed sticky exec resets lastIndex, so keep our own
  while ((m = re.exec(line)) !== null) {
    tokens.push(m[1]);
    end = re.lastIndex;
  }
  if (line.slice(end).trim() !== '')
    throw new Error(`cannot tokenize near ${JSON.stringify(line.slice(end, end + 20))}`);
  const obj = [];
  let k = 0;
  const expect = (t) => { if (tokens[k++] !== t) throw new Error(`expected ${t} in ${line}`); };
  expect('{');
  if (tokens[k] === '}') return obj;
  for (;;) {
    const key = JSON.parse(tokens[k++]);
    expect(':');
    obj.push([key, tokens[k++]]);
    if (tokens[k] === '}') break;
    expect(',');
  }
  expect('}');
  if (k !== tokens.length) throw new Error(`trailing text in ${line}`);
  return obj;
}

function dumpBytes(text) {
  const out = [];
  const body = text.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') { out.push(parseInt(body.slice(i + 2, i + 4), 16)); i += 3; } else out.push(body.charCodeAt(i));
  }
  return Uint8Array.from(out);
}

function bitsToFloat(hex, width) {
  const dv = new DataView(new ArrayBuffer(8));
  if (width === 64) { dv.setBigUint64(0, BigInt(`0x${hex}`)); return dv.getFloat64(0); }
  dv.setUint32(0, parseInt(hex, 16)); return dv.getFloat32(0);
}

const SPECIAL = {
  nan: NaN, inf: Infinity, '-inf': -Infinity, NaN, Infinity, '-Infinity': -Infinity,
};

function isoFromNs(ns) {
  const sec = ns >= 0n ? ns / 1000000000n : -((-ns + 999999999n) / 1000000000n);
  const frac = ns - sec * 1000000000n;
  const d = new Date(Number(sec) * 1000);
  return `${d.toISOString().slice(0, 19)}.${frac.toString().padStart(9, '0')}Z`;
}

function checkCell(where, type, want, tok) {
  if (want === 'null') {
    if (tok !== 'null') fail(`${where}: got ${tok}, want null`);
    return;
  }
  switch (type) {
    case 'int64':
      if (!/^-?\d+$/.test(tok) || BigInt(tok) !== BigInt(want)) fail(`${where}: got ${tok}, want ${want}`);
      return;
    case 'float64': case 'float32': {
      const w = bitsToFloat(want, type === 'float64' ? 64 : 32);
      const bare = tok.startsWith('"') ? JSON.parse(tok) : tok;
      let got = Object.hasOwn(SPECIAL, bare) ? SPECIAL[bare] : undefined;
      if (got === undefined) {
        if (tok.startsWith('"') || !/^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(tok)) {
          fail(`${where}: got ${tok}, want a JSON number for ${w}`);
          return;
        }
        got = Number(tok);
        if (type === 'float32') got = Math.fround(got);
      }
      if (!Object.is(got, w)) fail(`${where}: got ${tok}, which reads back as ${got}, want ${Object.is(w, -0) ? '-0' : w}`);
      return;
    }
    case 'bool':
      if (tok !== want) fail(`${where}: got ${tok}, want ${want}`);
      return;
    case 'utf8': {
      const s = tok.startsWith('"') ? JSON.parse(tok) : null;
      const w = new TextDecoder().decode(dumpBytes(want));
      if (s !== w) fail(`${where}: got ${tok}, want ${JSON.stringify(w)}`);
      return;
    }
    case 'binary': {
      const s = tok.startsWith('"') ? JSON.parse(tok).toLowerCase().replace(/^0x/, '') : null;
      const w = Buffer.from(dumpBytes(want)).toString('hex');
      if (s !== w) fail(`${where}: got ${tok}, want "${w}" (hex)`);
      return;
    }
    case 'timestamp[ns, UTC]': {
      const w = isoFromNs(BigInt(want));
      if (tok !== JSON.stringify(w)) fail(`${where}: got ${tok}, want "${w}"`);
      return;
    }
  }
  fail(`${where}: unknown type ${type}`);
}

const { columns, rows } = readDump(fs.readFileSync(dumpFile, 'utf8'));
const lines = fs.readFileSync(jsonlFile, 'utf8').split('\n');
if (lines.pop() !== '') fail('output does not end with a newline');
if (lines.length !== rows.length) fail(`${lines.length} lines, want ${rows.length}`);
lines.forEach((line, r) => {
  let obj;
  try {
    obj = parseFlatObject(line);
  } catch (e) {
    fail(`line ${r + 1}: ${e.message}`);
    return;
  }
  const keys = obj.map(([key]) => key).join(',');
  const wantKeys = columns.map(([n]) => n).join(',');
  if (keys !== wantKeys) { fail(`line ${r + 1}: keys ${keys}, want ${wantKeys}`); return; }
  columns.forEach(([name, type], c) => {
    if (rows[r]) checkCell(`line ${r + 1} column '${name}'`, type, rows[r][name], obj[c][1]);
  });
});
if (errors) process.exit(1);
console.log(`${jsonlFile}: ${lines.length} rows as expected`);
