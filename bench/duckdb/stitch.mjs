// Identity stitching the way a warehouse user does it in SQL today, as a baseline
// for idstitch (bench/compare_duckdb.sh times both on the same data):
//
//   node bench/duckdb/stitch.mjs EVENTS.jsonl[.gz] --out DIR
//
// writes DIR/assignments.csv (record_id,identity_id: the format `idstitch eval` reads)
// and prints the time of each phase and the number of label-propagation iterations to
// stderr. DUCKDB_THREADS=N overrides DuckDB's default (one thread per core).
//
// Normalization is deliberately what a plausible warehouse query does, no more:
// trim + lowercase every identifier, digits only for phone and loyalty card. Compared
// with idstitch it does NOT do: phone E.164 (so "+1 504 297 0338" and "504-297-0338"
// are two nodes), Gmail dot/+tag folding, '@' stripping in social handles, the block
// list (the all-zero IDFA, "null" / "undefined" emails are ordinary identifiers), merge
// protection (per-identity limits, hub quarantine) or anchor priority. Every identifier
// in a record is connected, and a record belongs to the one component they all join.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const args = process.argv.slice(2);
const outIdx = args.indexOf('--out');
if (outIdx < 0 || outIdx + 1 >= args.length || args.length !== 3) {
  console.error('usage: node stitch.mjs EVENTS.jsonl --out DIR');
  process.exit(2);
}
const outDir = resolve(args[outIdx + 1]);
const input = resolve(args.filter((_, i) => i !== outIdx && i !== outIdx + 1)[0]);
mkdirSync(outDir, { recursive: true });
// SQL string literal; paths come from the command line.
const lit = (s) => `'${s.replaceAll("'", "''")}'`;

// performance.now() counts from process start, so the first phase includes starting
// Node and loading DuckDB's native library, which the wall time measured outside sees too.
let last = 0;
const phase = (name, extra = '') => {
  const now = performance.now();
  console.error(`${name.padEnd(12)} ${((now - last) / 1000).toFixed(2).padStart(7)} s  ${extra}`);
  last = now;
};

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
if (process.env.DUCKDB_THREADS) await con.run(`SET threads = ${Number(process.env.DUCKDB_THREADS)}`);
const scalar = async (sql) => (await con.runAndReadAll(sql)).getRowsJS()[0][0];
phase('startup', `duckdb ${await scalar('SELECT version()')}, ` +
  `threads ${await scalar("SELECT current_setting('threads')")}`);

// Declaring the columns lets read_ndjson skip every other field (ip, user_agent, person
// attributes) instead of sampling the file to infer a schema. VARCHAR also accepts
// numeric IDs. rn keeps input order for the output, as idstitch does.
const idTypes = ['account_id', 'email', 'phone', 'loyalty_card', 'social', 'device_id'];
const columns = ['record_id', ...idTypes].map((c) => `${c}: 'VARCHAR'`).join(', ');
await con.run(`
  CREATE TABLE events AS
  SELECT row_number() OVER () AS rn, *
  FROM read_ndjson(${lit(input)}, columns = {${columns}}, ignore_errors = true)`);
phase('read', `${await scalar('SELECT count(*) FROM events')} records`);

// One row per (record, identifier); UNPIVOT drops the NULLs (absent fields).
// Identifiers become dense integers so that the joins below compare integers, not strings;
// numbered in order of first appearance (then value), so that edges, iteration counts and
// labels are the same every run.
await con.run(`
  CREATE TABLE ids AS
  SELECT rn, type || ':' || value AS ident FROM (
    SELECT rn, type,
           CASE WHEN type IN ('phone', 'loyalty_card')
                THEN regexp_replace(value, '[^0-9]', '', 'g')
                ELSE lower(trim(value)) END AS value
    FROM (UNPIVOT events ON ${idTypes.join(', ')} INTO NAME type VALUE value))
  WHERE value <> ''`);
await con.run(`
  CREATE TABLE nodes AS
  SELECT ident, row_number() OVER (ORDER BY first_rn, ident) AS id
  FROM (SELECT ident, min(rn) AS first_rn FROM ids GROUP BY ident)`);
await con.run(`CREATE TABLE rec_nodes AS SELECT rn, id FROM ids JOIN nodes USING (ident)`);
phase('identifiers', `${await scalar('SELECT count(*) FROM ids')} record-identifier rows, ` +
  `${await scalar('SELECT count(*) FROM nodes')} distinct identifiers`);

// A star from each record's smallest node connects the record's identifiers with k-1
// edges instead of k(k-1)/2; connectivity is the same. Stored both ways, because the
// propagation below pulls labels along dst -> src only.
await con.run(`
  CREATE TABLE adj AS
  WITH star AS (SELECT DISTINCT min(id) OVER (PARTITION BY rn) AS a, id AS b FROM rec_nodes)
  SELECT a AS src, b AS dst FROM star WHERE a <> b
  UNION SELECT b, a FROM star WHERE a <> b`);
phase('edges', `${(await scalar('SELECT count(*) FROM adj')) / 2n} undirected edges`);

// Connected components by label propagation: every node starts with its own id and
// takes the smallest label among itself and its neighbours, until a pass changes
// nothing. Each pass is one join + group-by over all edges; the number of passes
// grows with the graph's diameter.
await con.run(`CREATE TABLE labels AS SELECT id AS node, id AS label FROM nodes`);
let iterations = 0;
for (;;) {
  ++iterations;
  await con.run(`
    CREATE OR REPLACE TABLE next AS
    SELECT l.node, least(l.label, coalesce(m.label, l.label)) AS label
    FROM labels l LEFT JOIN (
      SELECT a.src AS node, min(n.label) AS label
      FROM adj a JOIN labels n ON n.node = a.dst GROUP BY a.src) m USING (node)`);
  const changed = await scalar(
    `SELECT count(*) FROM labels l JOIN next n USING (node) WHERE l.label <> n.label`);
  await con.run(`DROP TABLE labels; ALTER TABLE next RENAME TO labels`);
  if (changed === 0n) break;
}
phase('components', `${iterations} iterations (the last one changes nothing), ` +
  `${await scalar('SELECT count(DISTINCT label) FROM labels')} components, largest ` +
  `${await scalar('SELECT max(c) FROM (SELECT count(*) c FROM labels GROUP BY label)')} identifiers`);

// Records without any usable identifier get no row, as in idstitch's assignments.csv.
const outFile = join(outDir, 'assignments.csv');
await con.run(`
  COPY (
    SELECT e.record_id, 'cc-' || l.label AS identity_id
    FROM events e
    JOIN (SELECT rn, min(id) AS id FROM rec_nodes GROUP BY rn) r USING (rn)
    JOIN labels l ON l.node = r.id
    ORDER BY e.rn
  ) TO ${lit(outFile)} (FORMAT csv, HEADER)`);
phase('write', `${await scalar('SELECT count(DISTINCT rn) FROM rec_nodes')} records assigned`);
console.error(`total        ${(performance.now() / 1000).toFixed(2).padStart(7)} s`);
con.closeSync();
db.closeSync();
