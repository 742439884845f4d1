import { Module } from '@nestjs/common';
import { DemoCommand } from './demo.command';
import { NumberPoolCommand, NumberPoolImportCommand } from './number-pool.command';
import { UsersCommand, UsersCreateCommand } from './users.command';

/** Commands only; each boots the application it needs through withApp(). Add new commands here. */
@Module({
  providers: [UsersCommand, UsersCreateCommand, DemoCommand, NumberPoolCommand, NumberPoolImportCommand],
})
export class CliModule {}
