import { startEarlyChecksums } from '../analysis/file-checksum';

// `analyze` hashes its files (the run key) while the rest of the code loads: loaded first, on its own, and
// everything else after (imports would all load before this line runs). A distributed run's workers hash.
if (process.argv[2] === 'analyze' && !process.argv.includes('--distributed'))
  startEarlyChecksums(process.argv.slice(3));

async function main(): Promise<void> {
  await import('reflect-metadata');
  const { CommandFactory } = await import('nest-commander');
  const { ConfigError } = await import('../platform/config/index.js');
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
