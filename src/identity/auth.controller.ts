import {
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Actor } from '../platform/http/actor';
import { AppConfig } from '../platform/config';
import {
  BeforeSecondFactor,
  CurrentActor,
  CurrentPrincipal,
  Public,
  Roles,
} from '../platform/http/policy.decorators';
import {
  CreateApiKeyDto,
  CreateUserDto,
  LoginDto,
  LogoutDto,
  TotpCodeDto,
  UpdateUserDto,
} from './dto/auth.dto';
import { ConsoleSessionDto, MeDto, StaffUserDto } from './dto/session.dto';
import { STAFF_ROLES, type Principal } from '../platform/http/principal';
import { CSRF_COOKIE, csrfTokenFor, SESSION_COOKIE, sessionCookieOptions } from './session-cookie';
import { ApiKeysService } from './api-keys.service';
import { StaffAuthService } from './staff-auth.service';
import { TotpService } from './totp.service';
import { UsersService } from './users.service';

@ApiTags('staff auth')
@ApiBearerAuth()
@Controller()
export class AuthController {
  constructor(
    private readonly auth: StaffAuthService,
    private readonly totp: TotpService,
    private readonly apiKeys: ApiKeysService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  @Post('auth/login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in for automation: email and password → a bearer token' })
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
    return this.totp.startTotp(p, actor);
  }

  /** Confirms the authenticator with its first code; this session then counts as signed in with it. */
  @Post('auth/totp/confirm')
  @Roles(...STAFF_ROLES)
  @BeforeSecondFactor()
  @HttpCode(200)
  confirmTotp(@Body() dto: TotpCodeDto, @CurrentPrincipal() p: Principal, @CurrentActor() actor: Actor) {
    StaffAuthService.ensureStaff(p);
    if (p.via !== 'session') throw new ForbiddenException('Sign in to set up an authenticator');
    return this.totp.confirmTotp(p, dto.code, actor);
  }

  /**
   * The console's sign-in: the token goes into an HttpOnly, SameSite=Strict cookie (Secure behind https)
   * and never into the page; the answer carries the CSRF token the console sends with every write.
   */
  @Post('auth/session')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in to the console (sets the session cookie; returns the CSRF token)' })
  @ApiOkResponse({ type: ConsoleSessionDto })
  async session(
    @Body() dto: LoginDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ConsoleSessionDto> {
    const { token, expiresAt, user, totpEnrolmentRequired } = await this.auth.login(
      dto.email,
      dto.password,
      actor,
      dto.totp,
    );
    const csrfToken = csrfTokenFor(token);
    const opts = sessionCookieOptions(this.config.auth.secureCookies, expiresAt);
    res.cookie(SESSION_COOKIE, token, opts.session);
    res.cookie(CSRF_COOKIE, csrfToken, opts.csrf);
    return { user, expiresAt: expiresAt?.toISOString() ?? null, csrfToken, totpEnrolmentRequired };
  }

  @Post('auth/logout')
  @Roles(...STAFF_ROLES)
  @BeforeSecondFactor()
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out (this session, or with `everywhere` every session of mine)' })
  @ApiNoContentResponse()
  async logout(
    @CurrentPrincipal() p: Principal,
    @Body() dto: LogoutDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (p.type !== 'staff') return;
    if (dto.everywhere) await this.auth.logoutEverywhere(p.userId, actor);
    else await this.auth.logout(p.tokenId, actor);
    const opts = sessionCookieOptions(this.config.auth.secureCookies, null);
    res.clearCookie(SESSION_COOKIE, opts.session);
    res.clearCookie(CSRF_COOKIE, opts.csrf);
  }

  @Get('auth/me')
  @Roles(...STAFF_ROLES)
  @BeforeSecondFactor()
  @ApiOperation({ summary: 'Who am I: the caller, how they signed in, and their user record' })
  @ApiOkResponse({ type: MeDto })
  async me(@CurrentPrincipal() p: Principal): Promise<MeDto> {
    if (p.type !== 'staff') throw new NotFoundException();
    const user = await this.users.findById(p.userId);
    if (!user) throw new NotFoundException('No such user');
    return { ...p, user };
  }

  @Get('auth/api-keys')
  @Roles('admin')
  listApiKeys() {
    return this.apiKeys.list();
  }

  @Post('auth/api-keys')
  @Roles('admin')
  createApiKey(@Body() dto: CreateApiKeyDto, @CurrentPrincipal() p: Principal, @CurrentActor() actor: Actor) {
    StaffAuthService.ensureStaff(p);
    return this.apiKeys.create(p, dto, actor);
  }

  @Delete('auth/api-keys/:id')
  @Roles('admin')
  @HttpCode(204)
  revokeApiKey(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor) {
    return this.apiKeys.revoke(id, actor);
  }

  @Get('users')
  @Roles('supervisor', 'admin')
  @ApiOperation({ summary: 'Staff users' })
  @ApiOkResponse({ type: [StaffUserDto] })
  listUsers() {
    return this.users.list();
  }

  @Post('users')
  @Roles('admin')
  @ApiOperation({ summary: 'Create a staff user' })
  @ApiOkResponse({ type: StaffUserDto })
  createUser(@Body() dto: CreateUserDto, @CurrentActor() actor: Actor) {
    return this.users.create(dto, actor);
  }

  @Patch('users/:id')
  @Roles('admin')
  @ApiOperation({
    summary: 'Change a user: role, name, phone for reminder SMS, or deactivate (which ends their sessions)',
  })
  @ApiOkResponse({ type: StaffUserDto })
  updateUser(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateUserDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.users.update(id, dto, actor);
  }
}
