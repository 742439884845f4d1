import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { InvalidInput } from './domain-error';
import type { HttpResponse } from './http-response';
import { keyProblem } from './idempotency';

/**
 * The request's `Idempotency-Key` header, checked once at the edge (1-255 visible ASCII characters): a bad
 * key is a 400 with the field named. `@IdempotencyKey({ required: true })` also refuses a missing one;
 * otherwise a missing key is `undefined`. The service then runs the work through `IdempotencyService.run`.
 */
export const IdempotencyKey = createParamDecorator(
  (opts: { required?: boolean } | undefined, ctx: ExecutionContext): string | undefined => {
    const key: string | undefined = ctx.switchToHttp().getRequest().headers?.['idempotency-key'];
    if (key === undefined && !opts?.required) return undefined;
    const problem = keyProblem(key);
    if (problem) throw new InvalidInput(problem, [{ field: 'Idempotency-Key', messages: [problem] }]);
    return key;
  },
);

/** Answers with the stored status and body; a replayed answer says so in `Idempotent-Replayed: true`. */
export function sendIdempotent(res: HttpResponse, r: { status: number; body: unknown; replayed: boolean }) {
  res.status(r.status);
  if (r.replayed) res.setHeader('Idempotent-Replayed', 'true');
  return r.body;
}
