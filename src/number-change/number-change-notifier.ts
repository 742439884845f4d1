import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { NumberChangeRequest } from './number-change-request.entity';

/** Steps the customer hears about, on the old number, by email and (once it works) on the new number. */
export type NumberChangeStep =
  | 'requested'
  | 'number_reserved'
  | 'approved'
  | 'scheduled'
  | 'completed'
  | 'rejected'
  | 'cancelled'
  | 'expired';

/**
 * The one place number-change messages leave from, inside the caller's transaction, so a step and its
 * confirmation commit together.
 */
@Injectable()
export class NumberChangeNotifier {
  private readonly logger = new Logger(NumberChangeNotifier.name);

  async step(_m: EntityManager, request: NumberChangeRequest, step: NumberChangeStep): Promise<void> {
    this.logger.debug(`number-change ${request.id}: ${step} (notifications pipeline not wired yet)`);
  }

  async emailCode(
    _m: EntityManager,
    request: NumberChangeRequest,
    _email: string,
    _code: string,
  ): Promise<void> {
    this.logger.debug(`number-change ${request.id}: email confirmation code (pipeline not wired yet)`);
  }
}
