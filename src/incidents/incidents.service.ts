import {
  ConflictException,
  ForbiddenException,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { regulatorClocks, RegulatorClockKind } from './cadence';
import { CreateIncidentDto, PatchIncidentDto, RegulatorNoticeDto } from './dto/incident.dto';
import { IncidentEvents } from './incident-events';
import { IncidentReminder } from './incident-reminder.entity';
import { IncidentUpdate } from './incident-update.entity';
import { Incident, IncidentStatus, Impact } from './incident.entity';
import { describePii, findPii } from './pii-guard';
import { RegulatorNotice } from './regulator-notice.entity';

/** What the public may see of an incident: published updates only, corrections folded into their original. */
export interface PublicUpdate {
  id: string;
  incidentStatus: IncidentStatus;
  body: string;
  bodyCy: string | null;
  publishedAt: Date;
  nextUpdateBy: Date | null;
  /** Visible revisions, oldest first; the last one is the text in force. */
  corrections: Array<{ id: string; body: string; bodyCy: string | null; publishedAt: Date }>;
}

export interface PublicIncident {
  id: string;
  title: string;
  titleCy: string | null;
  summary: string;
  summaryCy: string | null;
  advice: string;
  adviceCy: string | null;
  impact: Impact;
  status: IncidentStatus;
  detectedAt: Date;
  resolvedAt: Date | null;
  affectedServices: string[];
  /** The promise in force (null once resolved). */
  nextUpdateBy: Date | null;
  lastPublishedAt: Date;
  updates: PublicUpdate[];
}

const PUBLIC_FIELDS = ['title', 'titleCy', 'summary', 'summaryCy', 'advice', 'adviceCy'] as const;

@Injectable()
export class IncidentsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly events: IncidentEvents,
  ) {}

  /** Refuses public text that looks like it holds personal data (422, one message per finding). */
  guardPublicText(fields: Record<string, string | null | undefined>): void {
    const findings = findPii(fields, this.config.incidents.accountIdPattern);
    if (!findings.length) return;
    const fieldsOf = [...new Set(findings.map((f) => f.field))];
    throw new UnprocessableEntityException({
      message: `Refused: public text must not contain personal data. ${describePii(findings)}`,
      details: fieldsOf.map((field) => ({
        field,
        messages: findings
          .filter((f) => f.field === field)
          .map((f) => `looks like a ${f.kind} (${f.masked})`),
      })),
    });
  }

  /** Loosening who approves would let comms approve their own team's text: supervisors and admins only. */
  private guardApproverRoles(dto: PatchIncidentDto, actor: Actor): void {
    if (dto.approverRoles && !['supervisor', 'admin'].includes(actor.role ?? ''))
      throw new ForbiddenException('Only a supervisor or admin may set who approves updates');
  }

  async create(dto: CreateIncidentDto, actor: Actor): Promise<Incident> {
    this.guardPublicText(pick(dto, PUBLIC_FIELDS));
    this.guardApproverRoles(dto, actor);
    const incident = await this.db.transaction(async (m) => {
      const saved = await m.save(
        m.create(Incident, {
          ...this.columns(dto),
          summary: dto.summary ?? '',
          advice: dto.advice ?? '',
          status: 'investigating',
          createdBy: actor.id!,
        }),
      );
      await this.audit.record(m, actor, {
        action: 'incident.create',
        targetType: 'incident',
        targetId: saved.id,
        summary: { title: saved.title, impact: saved.impact },
      });
      return saved;
    });
    await this.events.emit({ type: 'changed', incidentId: incident.id });
    return incident;
  }

  async patch(id: string, dto: PatchIncidentDto, actor: Actor): Promise<Incident> {
    this.guardPublicText(pick(dto, PUBLIC_FIELDS));
    this.guardApproverRoles(dto, actor);
    const incident = await this.db.transaction(async (m) => {
      const found = await this.lockIncident(m, id);
      Object.assign(found, this.columns(dto));
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

  list(): Promise<Incident[]> {
    return this.db.getRepository(Incident).find({ order: { createdAt: 'DESC' }, take: 200 });
  }

  async get(id: string, m: EntityManager = this.db.manager): Promise<Incident> {
    const found = await m.findOne(Incident, { where: { id } });
    if (!found) throw new NotFoundException('No such incident');
    return found;
  }

  /** Row-locks the incident for the rest of the transaction (serialises publications of one incident). */
  async lockIncident(m: EntityManager, id: string): Promise<Incident> {
    const found = await m.findOne(Incident, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!found) throw new NotFoundException('No such incident');
    return found;
  }

  /** The staff view: the incident, all its updates, reminders and regulator clocks with time left. */
  async detail(id: string) {
    const incident = await this.get(id);
    const [updates, reminders, notices] = await Promise.all([
      this.db.getRepository(IncidentUpdate).find({ where: { incidentId: id }, order: { createdAt: 'ASC' } }),
      this.db.getRepository(IncidentReminder).find({ where: { incidentId: id }, order: { firedAt: 'DESC' } }),
      this.db.getRepository(RegulatorNotice).find({ where: { incidentId: id } }),
    ]);
    const done = Object.fromEntries(notices.map((n) => [n.kind, n]));
    const promise = [...updates]
      .filter((u) => u.status === 'published' && !u.correctsId)
      .sort((a, b) => b.publishedAt!.getTime() - a.publishedAt!.getTime())[0];
    return {
      ...incident,
      nextUpdateBy: incident.status === 'resolved' ? null : (promise?.nextUpdateBy ?? null),
      regulatorClocks: regulatorClocks(incident.detectedAt, this.clock.now(), done),
      updates,
      reminders,
    };
  }

  async recordRegulatorNotice(id: string, kind: RegulatorClockKind, dto: RegulatorNoticeDto, actor: Actor) {
    const notifiedAt = dto.notifiedAt ? new Date(dto.notifiedAt) : this.clock.now();
    try {
      return await this.db.transaction(async (m) => {
        await this.get(id, m);
        const saved = await m.save(
          m.create(RegulatorNotice, {
            incidentId: id,
            kind,
            notifiedAt,
            reference: dto.reference,
            recordedBy: actor.id!,
          }),
        );
        await this.audit.record(m, actor, {
          action: 'incident.regulator_notice',
          targetType: 'incident',
          targetId: id,
          summary: { kind, reference: dto.reference, notifiedAt: notifiedAt.toISOString() },
        });
        return saved;
      });
    } catch (e) {
      if (e instanceof QueryFailedError && (e as any).code === '23505')
        throw new ConflictException(`The ${kind} notification is already recorded for this incident`);
      throw e;
    }
  }

  /**
   * Everything the status page shows, in one read: incidents with at least one published update (open ones,
   * and those resolved in the last 90 days), with their published updates.
   */
  async publicSnapshot(): Promise<PublicIncident[]> {
    const rows: any[] = await this.db.query(
      `SELECT i.*, u.id AS u_id, u.incident_status AS u_incident_status, u.body AS u_body, u.body_cy AS u_body_cy,
              u.published_at AS u_published_at, u.next_update_by AS u_next_update_by, u.corrects_id AS u_corrects_id
         FROM incidents i
         JOIN incident_updates u ON u.incident_id = i.id AND u.status = 'published'
        WHERE i.resolved_at IS NULL OR i.resolved_at > $1::timestamptz - interval '90 days'
        ORDER BY i.detected_at DESC, u.published_at ASC`,
      [this.clock.now()], // resolved_at is Clock time
    );
    const byId = new Map<string, PublicIncident>();
    for (const r of rows) {
      let inc = byId.get(r.id);
      if (!inc) {
        inc = {
          id: r.id,
          title: r.title,
          titleCy: r.title_cy,
          summary: r.summary,
          summaryCy: r.summary_cy,
          advice: r.advice,
          adviceCy: r.advice_cy,
          impact: r.impact,
          status: r.status,
          detectedAt: r.detected_at,
          resolvedAt: r.resolved_at,
          affectedServices: r.affected_services,
          nextUpdateBy: null,
          lastPublishedAt: r.u_published_at,
          updates: [],
        };
        byId.set(r.id, inc);
      }
      inc.lastPublishedAt = r.u_published_at;
      if (r.u_corrects_id) {
        inc.updates
          .find((u) => u.id === r.u_corrects_id)
          ?.corrections.push({
            id: r.u_id,
            body: r.u_body,
            bodyCy: r.u_body_cy,
            publishedAt: r.u_published_at,
          });
        continue;
      }
      inc.nextUpdateBy = r.status === 'resolved' ? null : r.u_next_update_by;
      inc.updates.push({
        id: r.u_id,
        incidentStatus: r.u_incident_status,
        body: r.u_body,
        bodyCy: r.u_body_cy,
        publishedAt: r.u_published_at,
        nextUpdateBy: r.u_next_update_by,
        corrections: [],
      });
    }
    return [...byId.values()];
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
  async findPublic(id: string): Promise<Incident | null> {
    const found = await this.db
      .getRepository(Incident)
      .createQueryBuilder('i')
      .where('i.id = :id', { id })
      .andWhere(
        `EXISTS (SELECT 1 FROM incident_updates u WHERE u.incident_id = i.id AND u.status = 'published')`,
      )
      .getOne();
    return found ?? null;
  }

  /** Ids of the updates published since `since` (for modules that act on each publication, e.g. fan-out). */
  async publishedSince(since: Date): Promise<string[]> {
    const rows = await this.db.query(
      `SELECT id FROM incident_updates WHERE status = 'published' AND published_at > $1`,
      [since],
    );
    return rows.map((r: { id: string }) => r.id);
  }

  private columns(dto: PatchIncidentDto): Partial<Incident> {
    const date = (v?: string) => (v === undefined ? undefined : new Date(v));
    const out: Partial<Incident> = {
      ...pick(dto, [
        ...PUBLIC_FIELDS,
        'impact',
        'affectedServices',
        'analysisRunIds',
        'campaignIds',
        'approverRoles',
      ]),
      cadenceMinutes: dto.cadenceMinutes,
      cadenceFastHours: dto.cadenceFastHours,
      cadenceSlowMinutes: dto.cadenceSlowMinutes,
      detectedAt: date(dto.detectedAt),
      exposureFrom: date(dto.exposureFrom),
      exposureTo: date(dto.exposureTo),
    };
    return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as Pick<T, K>;
}
