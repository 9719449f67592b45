// Reads a streamtrain warehouse's Parquet tables with DuckDB alone, none of streamtrain's code: the check that the
// tables are in standard Parquet types any engine reads (OutsideReaderIT runs it and compares with Spark).
//
// Usage: node read-tables.mjs <warehouse> [<table folder, relative to the warehouse> ...]
// Without table folders, every folder holding Parquet files directly or in hive partitions (name=value) is a table;
// folders and files whose names begin with _ or . are skipped, as Spark skips them (a crashed write's _temporary/, a
// checksum's .crc), both when finding tables and when listing a table's files.
//
// Prints one JSON object on stdout, per table (its folder relative to the warehouse):
//   rows     count(*)
//   columns  [{name, type}] in DuckDB's type names (DESCRIBE), partition columns included
//   lengths  for each BLOB or list column, {min, max} length of its non-null values (null when all are null)
// On any error: one line on stderr and exit code 1 (2 for a usage error).
import { DuckDBInstance } from '@duckdb/node-api';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const USAGE = 'usage: node read-tables.mjs <warehouse> [<table folder> ...]';

function fail(message, code = 1) {
  process.stderr.write(`read-tables: ${String(message).split('\n')[0]}\n`);
  process.exit(code);
}

function hidden(name) {
  return name.startsWith('_') || name.startsWith('.');
}

/** Folders under root that are tables: Parquet files directly in them or in name=value partition folders. */
function discover(root) {
  const tables = [];
  const walk = (dir) => {
    const entries = readdirSync(dir, { withFileTypes: true }).filter((e) => !hidden(e.name));
    const isTable = entries.some((e) => (e.isFile() && e.name.endsWith('.parquet'))
        || (e.isDirectory() && /^[^=]+=/.test(e.name)));
    if (isTable) {
      tables.push(relative(root, dir));
      return;
    }
    entries.filter((e) => e.isDirectory()).forEach((e) => walk(join(dir, e.name)));
  };
  walk(root);
  return tables.sort();
}

/** A table's Parquet files, in partition folders too, without those under a folder named _... or .... */
function parquetFiles(dir) {
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (hidden(e.name)) {
        continue;
      }
      if (e.isDirectory()) {
        walk(join(d, e.name));
      } else if (e.isFile() && e.name.endsWith('.parquet')) {
        files.push(join(d, e.name));
      }
    }
  };
  walk(dir);
  return files.sort();
}

const quote = (text) => `'${text.replaceAll("'", "''")}'`;
const ident = (name) => `"${name.replaceAll('"', '""')}"`;
const number = (value) => (value === null ? null : Number(value));

async function describe(connection, dir) {
  const files = parquetFiles(dir);
  if (files.length === 0) {
    throw new Error(`no Parquet file in ${dir}`);
  }
  const source = `read_parquet([${files.map(quote).join(', ')}], hive_partitioning = true)`;
  const described = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjects();
  const columns = described.map((r) => ({ name: r.column_name, type: r.column_type }));
  const measured = columns.filter((c) => c.type === 'BLOB' || c.type.endsWith('[]'));
  const lengthOf = (c) => (c.type.endsWith('[]') ? `len(${ident(c.name)})` : `octet_length(${ident(c.name)})`);
  const selects = ['count(*) AS "rows"'].concat(measured.flatMap((c, i) => [
    `min(${lengthOf(c)}) AS min_${i}`, `max(${lengthOf(c)}) AS max_${i}`]));
  const [row] = (await connection.runAndReadAll(`SELECT ${selects.join(', ')} FROM ${source}`)).getRowObjects();
  const lengths = Object.fromEntries(measured.map((c, i) => [c.name,
    row[`min_${i}`] === null ? null : { min: number(row[`min_${i}`]), max: number(row[`max_${i}`]) }]));
  return { rows: number(row.rows), columns, lengths };
}

async function main() {
  const [root, ...named] = process.argv.slice(2);
  if (!root) {
    fail(USAGE, 2);
  }
  const warehouse = resolve(root);
  if (!statSync(warehouse, { throwIfNoEntry: false })?.isDirectory()) {
    fail(`${warehouse}: not a folder`, 2);
  }
  const tables = named.length > 0 ? named : discover(warehouse);
  if (tables.length === 0) {
    fail(`${warehouse}: no Parquet table found`);
  }
  // One thread: the tables are small and the machine is shared; extensions come with the package, never downloaded.
  const instance = await DuckDBInstance.create(':memory:', {
    threads: '1',
    autoinstall_known_extensions: 'false',
  });
  const connection = await instance.connect();
  const out = {};
  try {
    for (const table of tables) {
      const dir = join(warehouse, table);
      if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
        fail(`${table}: no such folder under ${warehouse}`);
      }
      try {
        out[table] = await describe(connection, dir);
      } catch (e) {
        fail(`${table}: ${e.message}`);
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().catch((e) => fail(e.message ?? e));
