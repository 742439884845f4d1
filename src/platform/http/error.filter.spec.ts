import { ConflictException } from '@nestjs/common';
import { Conflict, DomainError, InvalidInput, NotFound, TooManyRequests } from './domain-error';
import { toErrorBody } from './error.filter';

describe('toErrorBody', () => {
  it('maps a DomainError to the one error shape, with its code, status and details', () => {
    expect(toErrorBody(new NotFound('no such offer'))).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'not_found',
      message: 'no such offer',
    });
    const details = [{ field: 'vars', messages: ['missing: firstName'] }];
    expect(toErrorBody(new InvalidInput('Validation failed', details))).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'invalid_input',
      message: 'Validation failed',
      details,
    });
    expect(toErrorBody(new TooManyRequests('slow down')).statusCode).toBe(429);
    expect(toErrorBody(new DomainError('claim_window_closed', 422, 'closed'))).toMatchObject({
      statusCode: 422,
      error: 'Unprocessable Entity',
      code: 'claim_window_closed',
    });
  });

  it('masks a phone number a message carries, as for HTTP exceptions', () => {
    expect(toErrorBody(new Conflict('+447911123456 is taken')).message).toBe('+44 7*** ***456 is taken');
    expect(toErrorBody(new ConflictException('+447911123456 is taken')).message).toBe(
      '+44 7*** ***456 is taken',
    );
  });

  it('answers 500 without the message for anything else', () => {
    expect(toErrorBody(new Error('secret detail'))).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
    });
  });
});
