import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class CustomerSearchDto {
  @ApiProperty({
    description: 'Account id, mobile number in any format, email address, or the start of a first name',
    example: '07911 123456',
  })
  @IsString()
  @Length(2, 120)
  q!: string;
}

export class CustomerHitDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'ACC-100234' })
  accountId!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Sam' })
  firstName!: string | null;

  @ApiProperty({ description: 'Masked', example: '+44 7*** ***456' })
  msisdn!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Masked', example: 's***@example.com' })
  email!: string | null;

  @ApiProperty({ enum: ['en', 'cy'] })
  locale!: string;
}

export class CustomerSearchResultDto {
  @ApiProperty({ enum: ['number', 'account', 'email', 'name'], description: 'How the query was read' })
  matchedBy!: 'number' | 'account' | 'email' | 'name';

  @ApiProperty({ type: [CustomerHitDto] })
  customers!: CustomerHitDto[];
}

class ExposureDto {
  @ApiProperty() count!: number;
  @ApiProperty({ format: 'date-time' }) firstSeen!: string;
  @ApiProperty({ format: 'date-time' }) lastSeen!: string;
  @ApiProperty({ type: [String] }) websites!: string[];
}

class ExposureAnswerDto {
  @ApiProperty() analysed!: boolean;
  @ApiProperty() affected!: boolean;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) checkedAt!: string | null;
  @ApiPropertyOptional({ type: ExposureDto, nullable: true }) exposure!: ExposureDto | null;
}

class CustomerMessageDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'breach-notice' }) kind!: string;
  @ApiProperty({ enum: ['sms', 'email'] }) channel!: string;
  @ApiProperty({ example: 'delivered' }) status!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) sentAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) errorCode!: string | null;
  @ApiProperty({ description: 'Printed in the message; /verify confirms it' }) referenceCode!: string;
}

class CustomerOfferDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() benefit!: string;
  @ApiProperty({ format: 'date-time' }) claimClosesAt!: string;
  @ApiProperty({ type: String, nullable: true }) claimId!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) claimedAt!: string | null;
}

export class CreditDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) subscriberId!: string;
  @ApiProperty({ example: 500 }) amountPence!: number;
  @ApiProperty({ example: 'goodwill' }) reasonCode!: string;
  @ApiProperty({ type: String, nullable: true }) note!: string | null;
  @ApiProperty({ enum: ['pending_approval', 'issued', 'rejected'] }) status!: string;
  @ApiProperty({ type: String, nullable: true }) requestedBy!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) reversedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
}

class NumberChangeSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() state!: string;
  @ApiProperty() heldForSupervisor!: boolean;
  @ApiProperty({ format: 'date-time' }) slaDueAt!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class CustomerOverviewDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty({ type: String, nullable: true }) firstName!: string | null;
  @ApiProperty({ description: 'Masked' }) msisdn!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Masked' }) email!: string | null;
  @ApiProperty() locale!: string;
  @ApiProperty({ description: 'Opted out of SMS (STOP)' }) smsOptOut!: boolean;
  @ApiProperty() emailOptOut!: boolean;
  @ApiProperty({ type: ExposureAnswerDto }) exposure!: ExposureAnswerDto;
  @ApiProperty({ type: [CustomerMessageDto] }) messages!: CustomerMessageDto[];
  @ApiProperty({ type: [CustomerOfferDto] }) offers!: CustomerOfferDto[];
  @ApiProperty({ example: 500 }) balancePence!: number;
  @ApiProperty({ type: [CreditDto] }) credits!: CreditDto[];
  @ApiProperty({ type: [NumberChangeSummaryDto] }) numberChanges!: NumberChangeSummaryDto[];
}
