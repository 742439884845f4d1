import {
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/actor';
import { BeforeSecondFactor, CurrentActor, CurrentPrincipal, Public, Roles } from './auth.decorators';
import { CreateApiKeyDto, CreateUserDto, LoginDto, TotpCodeDto, UpdateUserDto } from './dto/auth.dto';
import { STAFF_ROLES, type Principal } from './roles';
import { StaffAuthService } from './staff-auth.service';
import { UsersService } from './users.service';

@ApiTags('staff auth')
@ApiBearerAuth()
@Controller()
export class AuthController {
  constructor(
    private readonly auth: StaffAuthService,
    private readonly users: UsersService,
  ) {}

  @Post('auth/login')
  @Public()
  @HttpCode(200)
  async login(@Body() dto: LoginDto, @CurrentActor() actor: Actor) {
    const { token, expiresAt, user, totpEnrolmentRequired } = await this.auth.login(
      dto.email,
      dto.password,
      actor,
      dto.totp,
    );
    return { token, expiresAt, user, totpEnrolmentRequired };
  }

  /** Starts setting up an authenticator app for yourself: the secret and its otpauth:// URI (a QR code). */
  @Post('auth/totp/setup')
  @Roles(...STAFF_ROLES)
  @BeforeSecondFactor()
  startTotp(@CurrentPrincipal() p: Principal, @CurrentActor() actor: Actor) {
    StaffAuthService.ensureStaff(p);
    if (p.via !== 'session') throw new ForbiddenException('Sign in to set up an authenticator');
    return this.auth.startTotp(p, actor);
  }

  /** Confirms the authenticator with its first code; this session then counts as signed in with it. */
  @Post('auth/totp/confirm')
  @Roles(...STAFF_ROLES)
  @BeforeSecondFactor()
  @HttpCode(200)
  confirmTotp(@Body() dto: TotpCodeDto, @CurrentPrincipal() p: Principal, @CurrentActor() actor: Actor) {
    StaffAuthService.ensureStaff(p);
    if (p.via !== 'session') throw new ForbiddenException('Sign in to set up an authenticator');
    return this.auth.confirmTotp(p, dto.code, actor);
  }

  @Post('auth/logout')
  @Roles(...STAFF_ROLES)
  @BeforeSecondFactor()
  @HttpCode(204)
  async logout(@CurrentPrincipal() p: Principal, @CurrentActor() actor: Actor) {
    if (p.type === 'staff') await this.auth.logout(p.tokenId, actor);
  }

  @Get('auth/me')
  @Roles(...STAFF_ROLES)
  @BeforeSecondFactor()
  me(@CurrentPrincipal() p: Principal) {
    return p;
  }

  @Get('auth/api-keys')
  @Roles('admin')
  listApiKeys() {
    return this.auth.listApiKeys();
  }

  @Post('auth/api-keys')
  @Roles('admin')
  createApiKey(@Body() dto: CreateApiKeyDto, @CurrentPrincipal() p: Principal, @CurrentActor() actor: Actor) {
    StaffAuthService.ensureStaff(p);
    return this.auth.createApiKey(p, dto, actor);
  }

  @Delete('auth/api-keys/:id')
  @Roles('admin')
  @HttpCode(204)
  revokeApiKey(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor) {
    return this.auth.revokeApiKey(id, actor);
  }

  @Get('users')
  @Roles('supervisor', 'admin')
  listUsers() {
    return this.users.list();
  }

  @Post('users')
  @Roles('admin')
  createUser(@Body() dto: CreateUserDto, @CurrentActor() actor: Actor) {
    return this.users.create(dto, actor);
  }

  @Patch('users/:id')
  @Roles('admin')
  updateUser(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateUserDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.users.update(id, dto, actor);
  }
}
