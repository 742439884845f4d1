import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length } from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** Sending work back to its author: what to change, shown to them (required, 1–500 characters). */
export class SendBackDto {
  @ApiProperty({ minLength: 1, maxLength: 500, example: 'Please say when the fix is expected.' })
  @Transform(trim)
  @IsString({ message: 'comment is required' })
  @Length(1, 500, { message: 'comment must be 1 to 500 characters (say what to change)' })
  comment!: string;
}

/** Rejecting for good: why, stored and shown with the rejected item (required, 1–500 characters). */
export class RejectWithReasonDto {
  @ApiProperty({ minLength: 1, maxLength: 500, example: 'The liability is above this quarter’s budget.' })
  @Transform(trim)
  @IsString({ message: 'reason is required' })
  @Length(1, 500, { message: 'reason must be 1 to 500 characters (say why)' })
  reason!: string;
}
