import { ApiProperty } from '@nestjs/swagger';

/** One audit row as listed, with the staff person's name for the console's "Who" column. */
export class AuditEventDto {
  @ApiProperty({ description: 'bigint, as a string' })
  id!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  at!: Date;

  @ApiProperty({ enum: ['staff', 'customer', 'system', 'anonymous'] })
  actorType!: string;

  @ApiProperty({ type: String, nullable: true })
  actorId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: "the staff member's role when they acted" })
  actorRole!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "the staff member's current display name; null for customers, the system, or a removed user",
  })
  actorName!: string | null;

  @ApiProperty()
  action!: string;

  @ApiProperty({ type: String, nullable: true })
  targetType!: string | null;

  @ApiProperty({ type: String, nullable: true })
  targetId!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'what changed (PII scrubbed)' })
  summary!: Record<string, unknown>;

  @ApiProperty({ type: String, nullable: true })
  requestId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  ip!: string | null;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEventDto] })
  items!: AuditEventDto[];

  @ApiProperty({ type: String, nullable: true, description: 'pass as `before` for the next page' })
  nextBefore!: string | null;
}
