import { createReadStream } from 'node:fs';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { SYSTEM_ACTOR } from '../platform/http/actor';
import { NumberPoolService } from '../number-change/number-pool.service';
import { withApp } from './cli-app';

@SubCommand({
  name: 'import',
  description: 'Stream a CSV (header with an msisdn column) into the number pool',
})
export class NumberPoolImportCommand extends CommandRunner {
  async run(_: string[], o: { file: string }): Promise<void> {
    const report = await withApp((app) =>
      app.get(NumberPoolService).importCsv(createReadStream(o.file), { ...SYSTEM_ACTOR, id: 'cli' }),
    );
    process.stdout.write(JSON.stringify(report) + '\n');
  }

  @Option({ flags: '--file <path>', required: true })
  file(v: string) {
    return v;
  }
}

@Command({
  name: 'number-pool',
  description: 'Manage the pool of numbers for number changes',
  subCommands: [NumberPoolImportCommand],
})
export class NumberPoolCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
