import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommandRunner, Option } from 'nest-commander';
import { projectRoot } from '../platform/paths';
import { withApp } from './cli-app';

/** Where the console's generated client reads the document from (`npm run openapi` regenerates both). */
export const OPENAPI_FILE = join('console', 'src', 'api', 'openapi.json');

/** The document as committed: stable key order from Nest, two-space JSON, a final newline. */
export function serialiseOpenApi(doc: object): string {
  return JSON.stringify(doc, null, 2) + '\n';
}

@Command({
  name: 'openapi',
  description: "Write the API's OpenAPI document (for the console's typed client)",
})
export class OpenApiCommand extends CommandRunner {
  async run(_: string[], o: { out?: string }): Promise<void> {
    const { openApiDocument } = await import('../bootstrap.js');
    // the document needs the routes, not the schema: leave the database's migrations alone
    const text = await withApp(async (app) => serialiseOpenApi(openApiDocument(app)), {
      DATABASE_MIGRATE_ON_START: 'false',
    });
    const out = o.out ?? join(projectRoot(), OPENAPI_FILE);
    writeFileSync(out, text);
    process.stderr.write(`wrote ${out}\n`);
  }

  @Option({ flags: '--out <file>', description: `default ${OPENAPI_FILE}` })
  out(v: string) {
    return v;
  }
}
