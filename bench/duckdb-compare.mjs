// The measurement behind the README's DuckDB comparison (issue 20): DuckDB reading the generated Squid log itself,
// extracting the number and host with RE2 and summing (number, host) pairs, with nothing stored. Not part of
// `npm run bench` (it needs `npm i --no-save @duckdb/node-api`): node bench/duckdb-compare.mjs FILE [THREADS]
/* global console, performance, process */
import { DuckDBInstance } from '@duckdb/node-api';
const file = process.argv[2];
const threads = Number(process.argv[3] ?? 2);
const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const c = await db.connect();
const t0 = performance.now();
// one column per line; the header value is the last quoted field, the host from the URL (7th field)
const r = await c.runAndReadAll(`
  WITH lines AS (
    SELECT line FROM read_csv('${file}', delim='\\x01', quote='', escape='', header=false,
                              columns={'line':'VARCHAR'}, auto_detect=false)
  ), f AS (
    SELECT regexp_extract(line, '"([^"]*)"$', 1) AS v,
           regexp_extract(line, ' [A-Z]+ https?://([^/:? ]+)', 1) AS host,
           CAST(split_part(line, ' ', 1) AS DOUBLE) AS t
    FROM lines
  ), n AS (
    SELECT regexp_replace(v, '[^0-9+]', '', 'g') AS d, host, t FROM f
  ), k AS (
    SELECT CASE WHEN d LIKE '+447%' THEN substr(d, 2) WHEN d LIKE '07%' THEN '44' || substr(d, 2)
                WHEN d LIKE '447%' THEN d END AS num, host, t FROM n
  ), pairs AS (
    SELECT num, host, count(*) AS c, min(t) AS f, max(t) AS l FROM k WHERE num IS NOT NULL GROUP BY ALL
  )
  SELECT count(*) AS pairs, count(DISTINCT num) AS numbers, sum(c) AS exposures FROM pairs`);
console.log(JSON.stringify(r.getRowObjectsJson()), ((performance.now() - t0) / 1000).toFixed(2), 's');
