import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { isUniqueViolation } from '../platform/database/unique-violation';
import { Actor } from '../platform/http/actor';
import { Conflict, Unprocessable } from '../platform/http/domain-error';
import { RegulatorNoticeDto } from './dto/incident.dto';
import { IncidentsService } from './incidents.service';
import { RegulatorNotice } from './regulator-notice.entity';
import { findDuty, NoticeKind, noticeRefusal, regulatorClocks } from './regulator-rules';

/** Notifications to the regulator on a personal-data breach (the duties and clocks are regulator-rules.ts). */
@Injectable()
export class RegulatorNoticesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly incidents: IncidentsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * Records a notification to the regulator (one per duty and phase), with what was drafted at that moment.
   * Only on a personal-data breach, only for a duty of its rules; a late one needs its reasons where the rule
   * asks for them.
   */
  async record(
    id: string,
    kind: NoticeKind,
    dto: RegulatorNoticeDto,
    actor: Actor,
    content: Record<string, unknown> | null = null,
  ) {
    const notifiedAt = dto.notifiedAt ? new Date(dto.notifiedAt) : this.clock.now();
    const phase = dto.phase ?? 'initial';
    try {
      return await this.db.transaction(async (m) => {
        const incident = await this.incidents.lockIncident(m, id);
        if (!incident.personalDataBreach || !incident.becameAwareAt)
          throw new Unprocessable('Regulator notifications are for personal-data breach incidents only');
        const duty = findDuty(incident.regulatorRules, kind);
        if (!duty)
          throw new Unprocessable(
            `${kind} is not a duty of this incident's rules (${incident.regulatorRules.join(', ') || 'none'})`,
          );
        const notices = await m.find(RegulatorNotice, { where: { incidentId: id } });
        const clock = regulatorClocks(incident, notifiedAt, notices).find((c) => c.kind === kind)!;
        const refusal = noticeRefusal(
          duty,
          incident.becameAwareAt,
          new Date(clock.deadline),
          notifiedAt,
          phase,
          dto.delayReasons,
        );
        if (refusal) throw new Unprocessable(refusal);
        if (phase !== 'initial' && !notices.some((n) => n.kind === kind && n.phase === 'initial'))
          throw new Unprocessable('record the initial notification first');
        const saved = await m.save(
          m.create(RegulatorNotice, {
            incidentId: id,
            kind,
            phase,
            notifiedAt,
            reference: dto.reference,
            delayReasons: dto.delayReasons ?? null,
            content,
            recordedBy: actor.id!,
          }),
        );
        await this.audit.record(m, actor, {
          action: 'incident.regulator_notice',
          targetType: 'incident',
          targetId: id,
          summary: { kind, phase, reference: dto.reference, notifiedAt: notifiedAt.toISOString() },
        });
        return saved;
      });
    } catch (e) {
      if (isUniqueViolation(e))
        throw new Conflict(`The ${phase} ${kind} notification is already recorded for this incident`);
      throw e;
    }
  }
}
