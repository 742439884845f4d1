import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { UpdateTemplatesRepository, UpdateTemplateVersion } from './update-templates.repository';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { PublicTextGuard } from '../platform/privacy';
import { SaveUpdateTemplateDto } from './dto/update.dto';
import { unknownPlaceholders, UpdateTemplate } from './update-templates';
import { InvalidInput, NotFound, Unprocessable } from '../platform/http/domain-error';

/** Update templates as data: supervisors edit them; every save is a new version, audited. */
@Injectable()
export class UpdateTemplatesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly guard: PublicTextGuard,
    private readonly templates: UpdateTemplatesRepository,
  ) {}

  /** The version in force of every template that is not retired. */
  async list(m: EntityManager = this.db.manager): Promise<UpdateTemplateVersion[]> {
    return (await this.templates.latest(m)).filter((r) => !r.retired);
  }

  versions(key: string): Promise<UpdateTemplateVersion[]> {
    return this.templates.versions(key);
  }

  /** The template in force for a key; 422 (a field message) when there is none. */
  async get(key: string, m: EntityManager = this.db.manager): Promise<UpdateTemplate> {
    const found = (await this.list(m)).find((t) => t.key === key);
    if (!found)
      throw new Unprocessable(`No update template "${key}"`, [
        { field: 'template', messages: [`unknown template "${key}"`] },
      ]);
    return found;
  }

  /** Saves a new version (or retires the key); the text passes the privacy and link check. */
  async save(key: string, dto: SaveUpdateTemplateDto, actor: Actor) {
    const bad = [...unknownPlaceholders(dto.body), ...unknownPlaceholders(dto.bodyCy)];
    if (bad.length)
      throw new InvalidInput('Validation failed', [
        { field: 'body', messages: [`only {{services}} may be used (found ${bad.join(', ')})`] },
      ]);
    this.guard.assert({ body: dto.body, bodyCy: dto.bodyCy });
    return this.db.transaction(async (m) => {
      const saved = await this.templates.insertNext(m, key, {
        incidentStatus: dto.incidentStatus ?? null,
        body: dto.body,
        bodyCy: dto.bodyCy,
        retired: dto.retired ?? false,
        createdBy: actor.id ?? null,
      });
      await this.audit.record(m, actor, {
        action: 'incident.template.save',
        targetType: 'update_template',
        targetId: key,
        summary: { version: saved.version, incidentStatus: saved.incidentStatus, retired: saved.retired },
      });
      return saved;
    });
  }

  async assertExists(key: string): Promise<void> {
    if (!(await this.templates.exists(key))) throw new NotFound(`No update template "${key}"`);
  }
}
