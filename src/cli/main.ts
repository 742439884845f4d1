import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { ConfigError } from '../platform/config';

async function main(): Promise<void> {
  // `analyze` loads only its own modules: the rest of the code would take ~30-50 MB of the run's memory
  const root =
    process.argv[2] === 'analyze'
      ? (await import('./analyze.command.js')).AnalyzeCliModule
      : (await import('./cli.module.js')).CliModule;
  await CommandFactory.run(root, {
    logger: ['error'],
    errorHandler: (err) => {
      if ((err as any)?.code?.startsWith?.('commander.')) process.exit((err as any).exitCode ?? 1);
      process.stderr.write(`error: ${err instanceof ConfigError ? err.message : (err?.message ?? err)}\n`);
      process.exit(1);
    },
    serviceErrorHandler: (err) => {
      process.stderr.write(`error: ${err?.message ?? err}\n`);
      process.exit(1);
    },
  });
}

void main();
