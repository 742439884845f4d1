/* npm run bench -- NAME [args]: runs bench/NAME.bench.ts (compiled), each of which exports
   `run(args): Promise<Record<string, unknown>>` and prints its own report; results are written to
   bench/out/NAME.json. With no NAME, lists the benchmarks. */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const available = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .map((f) => f.replace(/\.bench\.js$/, ''));
  if (!name || !available.includes(name)) {
    process.stderr.write(`usage: npm run bench -- <${available.join('|')}> [args]\n`);
    process.exit(name ? 2 : 0);
  }
  const mod = require(join(__dirname, `${name}.bench.js`)) as {
    run: (args: string[]) => Promise<Record<string, unknown>>;
  };
  const result = await mod.run(args);
  const out = join(__dirname, '..', '..', 'bench', 'out');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${name}.json`), JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
