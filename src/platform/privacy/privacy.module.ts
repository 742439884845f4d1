import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config';
import { Pseudonymiser } from './pseudonymiser';
import { PublicTextGuard } from './public-text-guard';

@Global()
@Module({
  providers: [
    {
      provide: Pseudonymiser,
      inject: [AppConfig],
      useFactory: (c: AppConfig) => new Pseudonymiser(c.privacy.pseudonymKey),
    },
    PublicTextGuard,
  ],
  exports: [Pseudonymiser, PublicTextGuard],
})
export class PrivacyModule {}
