import { Global, Module } from '@nestjs/common';
import { GracefulClose } from './graceful-close';
import { IdempotencyService } from './idempotency.service';

/** The HTTP edge's services every module may use: idempotency keys (transaction-bound); a bounded close. */
@Global()
@Module({ providers: [IdempotencyService, GracefulClose], exports: [IdempotencyService] })
export class HttpEdgeModule {}
