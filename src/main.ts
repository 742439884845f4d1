import 'reflect-metadata';
import { createApp } from './bootstrap';
import { ConfigError } from './platform/config';

createApp().catch((err) => {
  // A readable message for configuration mistakes; anything else keeps its stack.
  process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `${err?.stack ?? err}\n`);
  process.exit(1);
});
