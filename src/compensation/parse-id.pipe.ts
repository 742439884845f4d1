import { BadRequestException, PipeTransform } from '@nestjs/common';

/** Outbox rows have bigserial ids: digits only, so a bad one is a 400, not a database error. */
export class ParseBigIntIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[1-9]\d{0,17}$/.test(value)) throw new BadRequestException('id must be a positive integer');
    return value;
  }
}
