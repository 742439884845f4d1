import { Global, Injectable, Module } from '@nestjs/common';

/**
 * The time, behind a provider: services that act on deadlines (cadence reminders, regulator clocks) ask it,
 * so a test can move time forward (spy on `now`) instead of sleeping.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class ClockModule {}
