import { Global, Module } from '@nestjs/common';
import { GracefulClose } from './graceful-close';
import { IdempotencyRepository } from './idempotency.repository';
import { IdempotencyService } from './idempotency.service';

/** The HTTP edge's services every module may use: idempotency keys (transaction-bound); a bounded close. */
@Global()
@Module({
  providers: [IdempotencyService, IdempotencyRepository, GracefulClose],
  exports: [IdempotencyService],
})
export class HttpEdgeModule {}
