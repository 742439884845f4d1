import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AppConfig, loadConfig } from './app-config';

/**
 * Loads and validates configuration once. `overrides` let tests and the CLI set values without touching
 * process.env. @nestjs/config's ConfigService stays available for libraries that expect it.
 */
@Global()
@Module({})
export class PlatformConfigModule {
  static forRoot(overrides: Record<string, string | undefined> = {}): DynamicModule {
    const config = loadConfig({ ...process.env, ...overrides });
    return {
      module: PlatformConfigModule,
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, isGlobal: true, load: [() => ({ candor: config.env })] }),
      ],
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}
