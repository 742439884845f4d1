import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { ConfigError } from '../platform/config';
import { CliModule } from './cli.module';

async function main(): Promise<void> {
  await CommandFactory.run(CliModule, {
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
