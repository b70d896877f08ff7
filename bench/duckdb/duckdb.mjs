// DuckDB runner for the moments benchmarks:
//
//   node duckdb.mjs FILE THREADS SQL
//
// Opens an in-memory DuckDB with THREADS threads and runs SQL, with every
// FILE in it replaced by FILE as a quoted string literal. DuckDB writes the
// result itself, as TSV with a header line, on stdout (the statement run is
// COPY (SQL) TO '/dev/stdout' (FORMAT csv, DELIMITER '\t', HEADER)), so the
// time is DuckDB's own, not that of converting rows to JavaScript values
// (the Node API takes over a second for that on 10^5 rows). DuckDB opens
// /dev/stdout anew, truncating it when it is a regular file: give it a pipe,
// /dev/null, or a file of its own.
//
// When DUCKDB_QUERY_TIMES names a file, the seconds the statement took (from
// handing DuckDB the SQL until it returned: reading and parsing the file,
// aggregating, writing the result; not node's start-up, loading the module
// or opening the database) are appended to it, one line per run, so a bench
// script can report the query alone next to the wall time.
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';

const [file, threads, sql] = process.argv.slice(2);
if (file === undefined || !/^[1-9][0-9]*$/.test(threads ?? '') || !sql) {
	console.error('usage: node duckdb.mjs FILE THREADS SQL');
	process.exit(2);
}
const literal = "'" + file.replaceAll("'", "''") + "'";
const copy = `COPY (${sql.replaceAll('FILE', literal)}) TO '/dev/stdout' ` +
	"(FORMAT csv, DELIMITER '\t', HEADER true)";

const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
const t0 = performance.now();
await con.run(copy);
const seconds = (performance.now() - t0) / 1000;
if (process.env.DUCKDB_QUERY_TIMES)
	appendFileSync(process.env.DUCKDB_QUERY_TIMES, `${seconds}\n`);
