export { AppConfig, ConfigError, loadConfig } from './app-config';
export type { CandorRole, SmsSender } from './app-config';
export { PlatformConfigModule } from './config.module';
