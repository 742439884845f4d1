import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config';
import { Pseudonymiser } from './pseudonymiser';

@Global()
@Module({
  providers: [
    {
      provide: Pseudonymiser,
      inject: [AppConfig],
      useFactory: (c: AppConfig) => new Pseudonymiser(c.privacy.pseudonymKey),
    },
  ],
  exports: [Pseudonymiser],
})
export class PrivacyModule {}
