import { ApiProperty } from '@nestjs/swagger';

export class InboxItemDto {
  @ApiProperty({ enum: ['update', 'campaign', 'credit', 'number_change', 'offer'] })
  kind!: 'update' | 'campaign' | 'credit' | 'number_change' | 'offer';

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

export class InboxCountDto {
  @ApiProperty({ description: 'Items waiting for my decision' })
  count!: number;
}
