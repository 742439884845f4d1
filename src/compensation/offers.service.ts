import { PublicTextGuard } from '../platform/privacy';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Readable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { SubscribersService } from '../subscribers/subscribers.service';
import { OfferApplyService } from './offer-apply.service';
import { CreateOfferDto } from './dto/offer.dto';
import { AppConfig } from '../platform/config';
import { offerNeedsApproval, isLive, offerProblems } from './offer-rules';
import { Offer } from './offer.entity';
import { csvRows } from '../platform/streams/csv-rows';
import { AudiencePort } from '../subscribers/audience.port';
import { Conflict, InvalidInput, NotFound, Unprocessable } from '../platform/http/domain-error';
import { isUniqueViolation } from '../platform/database/unique-violation';
import { OffersRepository } from './offers.repository';

/** Rows per transaction when loading an uploaded list. */
const BATCH = 1000;

/** Staff's side of offers: creating them, their eligibility lists, and what each could cost (F1). */
@Injectable()
export class OffersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: OffersRepository,
    private readonly applier: OfferApplyService,
    private readonly subscribers: SubscribersService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    @Optional() @Inject(AudiencePort) private readonly audiences: AudiencePort | null,
    private readonly clock: Clock,
    private readonly textGuard: PublicTextGuard,
  ) {}

  async create(dto: CreateOfferDto, actor: Actor): Promise<Offer> {
    // The name and benefit go verbatim into claim messages and pages: the privacy and link rules (F11).
    this.textGuard.assert({ name: dto.name, benefit: dto.benefit });
    const fields = {
      ...dto,
      claimOpensAt: dto.claimOpensAt ? new Date(dto.claimOpensAt) : this.clock.now(),
      claimClosesAt: new Date(dto.claimClosesAt),
    };
    const problems = offerProblems(fields);
    if (problems.length) throw new InvalidInput('Validation failed', problems);
    const byRun = dto.eligibility === 'analysis_run';
    if (byRun) {
      if (!this.audiences)
        throw new Unprocessable('Eligibility by analysis run needs the analysis module, not installed');
      await this.audiences.assertReady(dto.analysisRunId!);
    }
    let offer: Offer;
    try {
      offer = await this.db.transaction(async (m) => {
        const o = await this.repo.insert(m, {
          ...fields,
          value: dto.kind === 'custom' ? null : dto.value,
          benefit: dto.benefit ?? null,
          analysisRunId: dto.analysisRunId ?? null,
          keyword: dto.keyword ?? null,
          template: dto.template ?? 'compensation_offer',
          createdBy: actor.type === 'staff' ? (actor.id ?? null) : null,
          createdAt: this.clock.now(), // the liability report's period is a Clock time
        });
        if (byRun) {
          const table = await this.audiences!.stageMatched(m, dto.analysisRunId!);
          await this.repo.addEligibleFromTable(m, o.id, table);
        }
        await this.assessLiability(m, o);
        await this.audit.record(m, actor, {
          action: 'offer.create',
          targetType: 'offer',
          targetId: o.id,
          summary: {
            name: o.name,
            kind: o.kind,
            value: o.value,
            eligibility: o.eligibility,
            mode: o.mode,
            liabilityPence: o.liabilityPence,
            approvalStatus: o.approvalStatus,
          },
        });
        return o;
      });
    } catch (e) {
      if (isUniqueViolation(e, 'offers_keyword_key'))
        throw new Conflict('Another offer already uses this keyword');
      throw e;
    }
    if (offer.mode === 'auto' && isLive(offer.approvalStatus))
      await this.applier.enqueueApply(offer, `created`);
    return offer;
  }

  /**
   * Works out what a credit offer could pay in all (value x eligible) and whether a second supervisor must
   * approve it first (F1): always for auto offers, and above COMPENSATION_OFFER_APPROVAL_PENCE. An approved
   * offer whose list grows past what was approved waits for approval again. Updates `offer` in place.
   */
  private async assessLiability(m: EntityManager, offer: Offer): Promise<void> {
    const n = await this.repo.countEligible(m, offer);
    const { liabilityPence, needsApproval } = offerNeedsApproval(
      offer,
      n,
      this.config.compensation.offerApprovalPence,
    );
    let approvalStatus = offer.approvalStatus ?? 'not_required';
    if (!needsApproval) approvalStatus = approvalStatus === 'approved' ? 'approved' : 'not_required';
    else if (approvalStatus === 'not_required') approvalStatus = 'pending';
    else if (approvalStatus === 'approved' && liabilityPence! > (offer.approvedLiabilityPence ?? 0))
      approvalStatus = 'pending';
    await this.repo.update(m, offer.id, { liabilityPence, approvalStatus });
    Object.assign(offer, { liabilityPence, approvalStatus });
  }

  list(limit = 100): Promise<Offer[]> {
    return this.repo.list(limit);
  }

  async get(id: string): Promise<Offer> {
    const offer = await this.repo.findById(id);
    if (!offer) throw new NotFound('No such offer');
    return offer;
  }

  /**
   * Loads an uploaded list (one number or account id per line, first CSV column) into a list offer's
   * eligibility, streaming in batches, in one transaction: a failed upload leaves nothing behind.
   */
  async addToList(id: string, input: Readable, actor: Actor) {
    const offer = await this.get(id);
    if (offer.eligibility !== 'list') throw new Conflict('Only an offer with list eligibility takes a list');
    const counts = { lines: 0, matched: 0, added: 0 };
    await this.db.transaction(async (m) => {
      // the offer row stays locked for the upload: an approval waits for it and sees the final liability
      Object.assign(offer, await this.repo.getForUpdate(m, id));
      if (offer.approvalStatus === 'rejected')
        throw new Conflict('This offer was rejected; create a new one');
      let batch: string[] = [];
      const flush = async () => {
        if (!batch.length) return;
        const hmacs = batch.map((v) => {
          const e164 = this.subscribers.normalise(v);
          return e164 ? this.subscribers.hmac(e164) : null;
        });
        const r = await this.repo.addEligibleBatch(m, id, batch, hmacs);
        counts.matched += r.matched;
        counts.added += r.added;
        batch = [];
      };
      for await (const row of csvRows(input)) {
        const value = (row.cells?.[0] ?? '').trim();
        if (!value || value.startsWith('#')) continue;
        counts.lines++;
        batch.push(value);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      if (offer.mode === 'auto' && counts.added) await this.repo.update(m, id, { appliedAt: null });
      await this.assessLiability(m, offer);
      await this.audit.record(m, actor, {
        action: 'offer.eligible_upload',
        targetType: 'offer',
        targetId: id,
        summary: counts,
      });
    });
    if (offer.mode === 'auto' && counts.added && isLive(offer.approvalStatus))
      await this.applier.enqueueApply(offer, `upload-${this.clock.now().getTime()}`);
    return {
      ...counts,
      unmatched: counts.lines - counts.matched,
      liabilityPence: offer.liabilityPence,
      approvalStatus: offer.approvalStatus,
    };
  }
}
