import { Global, Module } from '@nestjs/common';
import { declareMessageKinds } from '../notifications/message-kinds';
import { IDENTITY_KINDS } from './identity-messages';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { CustomerAuthController } from './customer-auth.controller';
import { CustomerAuthService } from './customer-auth.service';
import { CustomerSession } from './customer-session.entity';
import { OtpChallenge } from './otp-challenge.entity';
import { ApiKeysService } from './api-keys.service';
import { StaffAuthService } from './staff-auth.service';
import { TotpService } from './totp.service';
import { StaffToken } from './staff-token.entity';
import { StaffUser } from './staff-user.entity';
import { UsersService } from './users.service';
import { CustomerAuthRepository } from './customer-auth.repository';
import { StaffTokensRepository } from './staff-tokens.repository';
import { StaffUsersRepository } from './staff-users.repository';

// Sign-in codes are an outbox message kind of this module (issue 18, F8).
declareMessageKinds(IDENTITY_KINDS);

@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([StaffUser, StaffToken, CustomerSession, OtpChallenge]),
    SubscribersModule,
  ],
  controllers: [AuthController, CustomerAuthController],
  providers: [
    StaffAuthService,
    TotpService,
    ApiKeysService,
    CustomerAuthService,
    UsersService,
    StaffUsersRepository,
    StaffTokensRepository,
    CustomerAuthRepository,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [StaffAuthService, CustomerAuthService, UsersService],
})
export class IdentityModule {}
