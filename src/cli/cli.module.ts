import { Module } from '@nestjs/common';
import { AnalyzeCommand } from './analyze.command';
import { DemoCommand } from './demo.command';
import { SubscribersCommand, SubscribersImportCommand } from './subscribers.command';
import { NumberPoolCommand, NumberPoolImportCommand } from './number-pool.command';
import { UsersCommand, UsersCreateCommand, UsersSetPhoneCommand } from './users.command';
import { OpenApiCommand } from './openapi.command';

/** Commands only; each boots the application it needs through withApp(). Add new commands here. */
@Module({
  providers: [
    UsersCommand,
    UsersCreateCommand,
    UsersSetPhoneCommand,
    OpenApiCommand,
    DemoCommand,
    SubscribersCommand,
    SubscribersImportCommand,
    AnalyzeCommand,
    NumberPoolCommand,
    NumberPoolImportCommand,
  ],
})
export class CliModule {}
