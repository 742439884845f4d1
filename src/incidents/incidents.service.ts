import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { PublicTextGuard } from '../platform/privacy';
import { CreateIncidentDto, PatchIncidentDto, PUBLIC_TEXT_FIELDS } from './dto/incident.dto';
import { IncidentEvents } from './incident-events';
import { IncidentReminder } from './incident-reminder.entity';
import { IncidentTextChange } from './incident-text-change.entity';
import { IncidentUpdate } from './incident-update.entity';
import { HELP_BLOCKS, Incident } from './incident.entity';
import { RegulatorNotice } from './regulator-notice.entity';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../platform/http/domain-error';
import { DEFAULT_REGULATOR_RULES, regulatorClocks } from './regulator-rules';
import { IncidentsRepository } from './incidents.repository';
import { foldPublished, PublicIncident } from './public-incident';

export type { PublicIncident, PublicUpdate } from './public-incident';

@Injectable()
export class IncidentsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly events: IncidentEvents,
    private readonly guardText: PublicTextGuard,
    private readonly incidents: IncidentsRepository,
  ) {}

  /**
   * Refuses public text that looks like it holds personal data or an unofficial link (422, one message per
   * finding); the operator's official contacts pass. Lists are checked item by item.
   */
  guardPublicText(fields: Record<string, string | string[] | null | undefined>): void {
    const flat: Record<string, string | null | undefined> = {};
    for (const [k, v] of Object.entries(fields)) {
      if (Array.isArray(v)) v.forEach((x, i) => (flat[`${k}[${i}]`] = x));
      else flat[k] = v;
    }
    this.guardText.assert(flat);
  }

  /** Loosening who approves would let comms approve their own team's text: supervisors and admins only. */
  private guardApproverRoles(dto: PatchIncidentDto, actor: Actor): void {
    if (dto.approverRoles && !['supervisor', 'admin'].includes(actor.role ?? ''))
      throw new Forbidden('Only a supervisor or admin may set who approves updates');
  }

  async create(dto: CreateIncidentDto, actor: Actor): Promise<Incident> {
    this.guardPublicText(pick(dto, PUBLIC_TEXT_FIELDS));
    this.guardApproverRoles(dto, actor);
    const incident = await this.db.transaction(async (m) => {
      await this.checkLeads(m, dto);
      const breach = dto.personalDataBreach ?? false;
      const saved = await m.save(
        m.create(Incident, {
          ...this.columns(dto),
          summary: dto.summary ?? '',
          advice: dto.advice ?? '',
          status: 'investigating',
          createdBy: actor.id!,
          personalDataBreach: breach,
          becameAwareAt: dto.becameAwareAt ? new Date(dto.becameAwareAt) : breach ? this.clock.now() : null,
          regulatorRules: dto.regulatorRules ?? (breach ? DEFAULT_REGULATOR_RULES : []),
          helpBlocks: dto.helpBlocks ?? (breach ? [...HELP_BLOCKS] : []),
        }),
      );
      await this.audit.record(m, actor, {
        action: 'incident.create',
        targetType: 'incident',
        targetId: saved.id,
        summary: {
          title: saved.title,
          impact: saved.impact,
          personalDataBreach: breach,
          becameAwareAt: saved.becameAwareAt?.toISOString() ?? null,
        },
      });
      return saved;
    });
    await this.events.emit({ type: 'changed', incidentId: incident.id });
    return incident;
  }

  async patch(id: string, dto: PatchIncidentDto, actor: Actor): Promise<Incident> {
    this.guardPublicText(pick(dto, PUBLIC_TEXT_FIELDS));
    this.guardApproverRoles(dto, actor);
    const incident = await this.db.transaction(async (m) => {
      const found = await this.lockIncident(m, id);
      const textFields = PUBLIC_TEXT_FIELDS.filter((f) => dto[f] !== undefined);
      if (textFields.length && (await this.incidents.isPublic(m, id)))
        throw new Conflict(
          'This incident is public: its public text changes only through a text change approved by a second person ' +
            `(POST /incidents/${id}/text-changes)`,
          textFields.map((field) => ({ field, messages: ['propose it as a text change'] })),
        );
      await this.checkLeads(m, dto);
      Object.assign(found, this.columns(dto));
      if (dto.personalDataBreach === true && !found.becameAwareAt) found.becameAwareAt = this.clock.now();
      if (dto.personalDataBreach === true && dto.regulatorRules === undefined && !found.regulatorRules.length)
        found.regulatorRules = DEFAULT_REGULATOR_RULES;
      if (dto.personalDataBreach === true && dto.helpBlocks === undefined && !found.helpBlocks.length)
        found.helpBlocks = [...HELP_BLOCKS];
      const saved = await m.save(found);
      await this.audit.record(m, actor, {
        action: 'incident.update_details',
        targetType: 'incident',
        targetId: id,
        summary: { fields: Object.keys(dto) },
      });
      return saved;
    });
    await this.events.emit({ type: 'changed', incidentId: id });
    return incident;
  }

  /** The comms lead and deputy are active staff who write updates (comms, supervisor or admin). */
  private async checkLeads(m: EntityManager, dto: PatchIncidentDto): Promise<void> {
    for (const field of ['commsLeadId', 'commsDeputyId'] as const) {
      const userId = dto[field];
      if (!userId) continue;
      if (!(await this.incidents.isActiveWriter(m, userId)))
        throw new InvalidInput('Validation failed', [
          { field, messages: ['must be an active comms, supervisor or admin user'] },
        ]);
    }
  }

  list(): Promise<Incident[]> {
    return this.db.getRepository(Incident).find({ order: { createdAt: 'DESC' }, take: 200 });
  }

  async get(id: string, m: EntityManager = this.db.manager): Promise<Incident> {
    const found = await m.findOne(Incident, { where: { id } });
    if (!found) throw new NotFound('No such incident');
    return found;
  }

  /** Row-locks the incident for the rest of the transaction (serialises publications of one incident). */
  async lockIncident(m: EntityManager, id: string): Promise<Incident> {
    const found = await m.findOne(Incident, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!found) throw new NotFound('No such incident');
    return found;
  }

  /** The staff view: the incident, all its updates, reminders and regulator clocks with time left. */
  async detail(id: string) {
    const incident = await this.get(id);
    const [updates, reminders, notices, textChanges] = await Promise.all([
      this.db.getRepository(IncidentUpdate).find({ where: { incidentId: id }, order: { createdAt: 'ASC' } }),
      this.db.getRepository(IncidentReminder).find({ where: { incidentId: id }, order: { firedAt: 'DESC' } }),
      this.db.getRepository(RegulatorNotice).find({ where: { incidentId: id } }),
      this.db
        .getRepository(IncidentTextChange)
        .find({ where: { incidentId: id }, order: { createdAt: 'DESC' } }),
    ]);
    const promise = [...updates]
      .filter((u) => u.status === 'published' && !u.correctsId)
      .sort((a, b) => b.publishedAt!.getTime() - a.publishedAt!.getTime())[0];
    return {
      ...incident,
      nextUpdateBy: incident.status === 'resolved' ? null : (promise?.nextUpdateBy ?? null),
      regulatorClocks: regulatorClocks(incident, this.clock.now(), notices),
      regulatorNotices: notices,
      textChanges,
      updates,
      reminders,
    };
  }

  /**
   * Everything the status page shows, in one read: incidents with at least one published update (open ones,
   * and those resolved in the last 90 days), with their published updates.
   */
  async publicSnapshot(): Promise<PublicIncident[]> {
    return foldPublished(await this.incidents.published(this.clock.now()));
  }

  /** A published update with its incident, for fan-out to subscribers (null when not published). */
  async publishedUpdate(updateId: string): Promise<{ update: IncidentUpdate; incident: Incident } | null> {
    const update = await this.db
      .getRepository(IncidentUpdate)
      .findOne({ where: { id: updateId, status: 'published' } });
    if (!update) return null;
    return { update, incident: await this.get(update.incidentId) };
  }

  /** An incident the public can see (at least one published update), or null. */
  findPublic(id: string): Promise<Incident | null> {
    return this.incidents.findPublic(id);
  }

  /** Ids of the updates published since `since` (for modules that act on each publication, e.g. fan-out). */
  publishedSince(since: Date): Promise<string[]> {
    return this.incidents.publishedSince(since);
  }

  private columns(dto: PatchIncidentDto): Partial<Incident> {
    const date = (v?: string) => (v === undefined ? undefined : new Date(v));
    const out: Partial<Incident> = {
      ...pick(dto, [
        ...PUBLIC_TEXT_FIELDS,
        'impact',
        'personalDataBreach',
        'regulatorRules',
        'helpBlocks',
        'commsLeadId',
        'commsDeputyId',
        'analysisRunIds',
        'campaignIds',
        'approverRoles',
      ]),
      cadenceMinutes: dto.cadenceMinutes,
      cadenceFastHours: dto.cadenceFastHours,
      cadenceSlowMinutes: dto.cadenceSlowMinutes,
      detectedAt: date(dto.detectedAt),
      becameAwareAt: date(dto.becameAwareAt),
      exposureFrom: date(dto.exposureFrom),
      exposureTo: date(dto.exposureTo),
    };
    return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
  }
}

export function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as Pick<T, K>;
}
