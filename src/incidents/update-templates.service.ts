import {
  BadRequestException,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { PublicTextGuard } from '../platform/privacy';
import { SaveUpdateTemplateDto } from './dto/update.dto';
import { unknownPlaceholders, UpdateTemplate } from './update-templates';

const COLUMNS = `key, version, incident_status AS "incidentStatus", body, body_cy AS "bodyCy", retired,
  created_by AS "createdBy", created_at AS "createdAt"`;

/** Update templates as data: supervisors edit them; every save is a new version, audited. */
@Injectable()
export class UpdateTemplatesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly guard: PublicTextGuard,
  ) {}

  /** The version in force of every template that is not retired. */
  list(m: EntityManager = this.db.manager): Promise<Array<UpdateTemplate & { retired: boolean }>> {
    return m
      .query(`SELECT DISTINCT ON (key) ${COLUMNS} FROM update_templates ORDER BY key, version DESC`)
      .then((rows: Array<UpdateTemplate & { retired: boolean }>) => rows.filter((r) => !r.retired));
  }

  versions(key: string) {
    return this.db.query(`SELECT ${COLUMNS} FROM update_templates WHERE key = $1 ORDER BY version DESC`, [
      key,
    ]);
  }

  /** The template in force for a key; 422 (a field message) when there is none. */
  async get(key: string, m: EntityManager = this.db.manager): Promise<UpdateTemplate> {
    const found = (await this.list(m)).find((t) => t.key === key);
    if (!found)
      throw new UnprocessableEntityException({
        message: `No update template "${key}"`,
        details: [{ field: 'template', messages: [`unknown template "${key}"`] }],
      });
    return found;
  }

  /** Saves a new version (or retires the key); the text passes the privacy and link check. */
  async save(key: string, dto: SaveUpdateTemplateDto, actor: Actor) {
    const bad = [...unknownPlaceholders(dto.body), ...unknownPlaceholders(dto.bodyCy)];
    if (bad.length)
      throw new BadRequestException({
        message: 'Validation failed',
        details: [{ field: 'body', messages: [`only {{services}} may be used (found ${bad.join(', ')})`] }],
      });
    this.guard.assert({ body: dto.body, bodyCy: dto.bodyCy });
    return this.db.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('update_templates:' || $1))`, [key]);
      const [{ v }] = await m.query(
        `SELECT coalesce(max(version), 0) + 1 AS v FROM update_templates WHERE key = $1`,
        [key],
      );
      await m.query(
        `INSERT INTO update_templates (key, version, incident_status, body, body_cy, retired, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [key, v, dto.incidentStatus ?? null, dto.body, dto.bodyCy, dto.retired ?? false, actor.id],
      );
      await this.audit.record(m, actor, {
        action: 'incident.template.save',
        targetType: 'update_template',
        targetId: key,
        summary: { version: v, incidentStatus: dto.incidentStatus ?? null, retired: dto.retired ?? false },
      });
      const [row] = await m.query(`SELECT ${COLUMNS} FROM update_templates WHERE key = $1 AND version = $2`, [
        key,
        v,
      ]);
      return row;
    });
  }

  async assertExists(key: string): Promise<void> {
    const [row] = await this.db.query(`SELECT 1 FROM update_templates WHERE key = $1 LIMIT 1`, [key]);
    if (!row) throw new NotFoundException(`No update template "${key}"`);
  }
}
