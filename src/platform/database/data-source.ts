/* Entry point for the TypeORM CLI (npm run migration:*). Entities are not needed to run migrations;
   `migration:generate` compares against the entities found in dist. */
import 'reflect-metadata';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';

const config = loadConfig(process.env);
export default new DataSource(
  dataSourceOptions(config.database.url, { entities: [join(__dirname, '..', '..', '**', '*.entity.js')] }),
);
