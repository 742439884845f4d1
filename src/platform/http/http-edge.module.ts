import { Global, Module } from '@nestjs/common';
import { IdempotencyService } from './idempotency.service';

/** The HTTP edge's services every module may use: idempotency keys (transaction-bound). */
@Global()
@Module({ providers: [IdempotencyService], exports: [IdempotencyService] })
export class HttpEdgeModule {}
