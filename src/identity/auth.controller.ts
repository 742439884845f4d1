import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../platform/http/actor';
import { CurrentActor, CurrentPrincipal, Public, Roles } from '../platform/http/policy.decorators';
import { CreateApiKeyDto, CreateUserDto, LoginDto, UpdateUserDto } from './dto/auth.dto';
import { STAFF_ROLES, type Principal } from '../platform/http/principal';
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
    const { token, expiresAt, user } = await this.auth.login(dto.email, dto.password, actor);
    return { token, expiresAt, user };
  }

  @Post('auth/logout')
  @Roles(...STAFF_ROLES)
  @HttpCode(204)
  async logout(@CurrentPrincipal() p: Principal, @CurrentActor() actor: Actor) {
    if (p.type === 'staff') await this.auth.logout(p.tokenId, actor);
  }

  @Get('auth/me')
  @Roles(...STAFF_ROLES)
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
  createApiKey(@Body() dto: CreateApiKeyDto, @CurrentActor() actor: Actor) {
    return this.auth.createApiKey(dto.userId, dto.name, actor);
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
