import { Body, Controller, Get, HttpCode, NotFoundException, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../platform/http/actor';
import { mask } from '../platform/privacy';
import { SubscribersService } from '../subscribers/subscribers.service';
import { CurrentActor, CurrentPrincipal, CustomerOnly, Public } from '../platform/http/policy.decorators';
import { CustomerAuthService } from './customer-auth.service';
import { RequestCodeDto, VerifyCodeDto } from './dto/auth.dto';
import type { Principal } from '../platform/http/principal';

@ApiTags('customer auth')
@Controller('customer')
export class CustomerAuthController {
  constructor(
    private readonly auth: CustomerAuthService,
    private readonly subscribers: SubscribersService,
  ) {}

  @Post('auth/request-code')
  @Public()
  @HttpCode(202)
  requestCode(@Body() dto: RequestCodeDto, @CurrentActor() actor: Actor) {
    return this.auth.requestCode(dto.msisdn, actor);
  }

  @Post('auth/verify')
  @Public()
  @HttpCode(200)
  verify(@Body() dto: VerifyCodeDto, @CurrentActor() actor: Actor) {
    return this.auth.verify(dto.challengeId, dto.code, actor);
  }

  @Post('auth/logout')
  @CustomerOnly()
  @ApiBearerAuth()
  @HttpCode(204)
  async logout(@CurrentPrincipal() p: Principal) {
    if (p.type === 'customer') await this.auth.logout(p.sessionId);
  }

  /** The signed-in customer's own record, number masked. */
  @Get('me')
  @CustomerOnly()
  @ApiBearerAuth()
  async me(@CurrentPrincipal() p: Principal) {
    const s = p.type === 'customer' ? await this.subscribers.findById(p.subscriberId) : null;
    if (!s) throw new NotFoundException();
    return {
      accountId: s.accountId,
      msisdn: mask(s.msisdn),
      firstName: s.firstName,
      locale: s.locale,
      hasEmail: !!s.email,
    };
  }
}
