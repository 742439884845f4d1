import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { LOCALES, type Locale } from '../../platform/locales';
import { NUMBER_CHANGE_REASONS, type NumberChangeReason } from '../account-view';

/** A checkbox: present ("1") or absent. */
const checkbox = ({ value }: { value: unknown }) => value === '1' || value === 'on' || value === true;

/** Every form of these pages: its language and its cross-site-forgery token (checked by the guard or the service). */
export class PageForm {
  @IsOptional()
  @IsIn(LOCALES)
  locale?: Locale;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  _csrf?: string;
}

export class SignInNumberForm extends PageForm {
  @IsString()
  @MaxLength(32)
  msisdn!: string;
}

export class SignInCodeForm extends PageForm {
  @IsUUID()
  challengeId!: string;

  @IsString()
  @MaxLength(10)
  code!: string;
}

export class NumberChangeStartForm extends PageForm {
  @IsIn(NUMBER_CHANGE_REASONS)
  reason!: NumberChangeReason;

  @IsOptional()
  @Transform(checkbox)
  @IsBoolean()
  confirmByEmail?: boolean;
}

export class EmailCodeForm extends PageForm {
  @IsString()
  @MaxLength(10)
  code!: string;
}

export class OffersForm extends PageForm {
  @IsOptional()
  @Transform(checkbox)
  @IsBoolean()
  similar?: boolean;
}

export class ChooseForm extends PageForm {
  @IsString()
  @MaxLength(20)
  msisdn!: string;
}

export class NotMeForm extends PageForm {
  @IsString()
  @MaxLength(64)
  reference!: string;
}
