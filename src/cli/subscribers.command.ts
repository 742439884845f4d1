import { Command, CommandRunner, SubCommand } from 'nest-commander';
import { resolve } from 'node:path';
import { SYSTEM_ACTOR } from '../platform/http/actor';
import { SubscribersImportService } from '../subscribers/subscribers-import.service';
import { withApp } from './cli-app';

@SubCommand({
  name: 'import',
  arguments: '<file>',
  description:
    'Import subscribers from CSV (account_id,msisdn,email,first_name,locale[,ported_in_at]); upserts by account_id',
})
export class SubscribersImportCommand extends CommandRunner {
  async run([file]: string[]): Promise<void> {
    const report = await withApp((app) =>
      app.get(SubscribersImportService).importFile(resolve(file), { ...SYSTEM_ACTOR, id: 'cli' }),
    );
    process.stdout.write(JSON.stringify(report) + '\n');
  }
}

@Command({
  name: 'subscribers',
  description: 'Manage the subscriber base',
  subCommands: [SubscribersImportCommand],
})
export class SubscribersCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
