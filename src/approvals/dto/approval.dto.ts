import { ApiProperty } from '@nestjs/swagger';

export class InboxItemDto {
  @ApiProperty({ enum: ['update', 'campaign', 'credit', 'number_change', 'offer', 'text_change'] })
  kind!: 'update' | 'campaign' | 'credit' | 'number_change' | 'offer' | 'text_change';

  @ApiProperty()
  id!: string;

  @ApiProperty({ example: 'Update to “Gateway leak”' })
  title!: string;

  @ApiProperty({ description: 'What is needed to decide' })
  detail!: string;

  @ApiProperty({ format: 'date-time' })
  waitingSince!: string;

  @ApiProperty({ example: '/console/incidents/3f1c2b9e-8d7a-4c5b-9e0f-1a2b3c4d5e6f' })
  link!: string;
}

export class ReturnedItemDto {
  @ApiProperty({ enum: ['update', 'campaign', 'offer', 'text_change'] })
  kind!: 'update' | 'campaign' | 'offer' | 'text_change';

  @ApiProperty()
  id!: string;

  @ApiProperty({ example: 'Update to “Gateway leak”' })
  title!: string;

  @ApiProperty({
    enum: ['sent_back', 'rejected'],
    description: 'sent_back: edit it to resubmit; rejected: final',
  })
  outcome!: 'sent_back' | 'rejected';

  @ApiProperty({
    description: "The decider's comment or reason",
    example: 'Please say when the fix is expected.',
  })
  comment!: string;

  @ApiProperty({ format: 'date-time' })
  decidedAt!: string;

  @ApiProperty({ example: '/console/incidents/3f1c2b9e-8d7a-4c5b-9e0f-1a2b3c4d5e6f' })
  link!: string;
}

export class InboxCountDto {
  @ApiProperty({ description: 'Items waiting for my decision' })
  count!: number;
}
