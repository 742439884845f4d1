import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { Campaign } from './campaign.entity';
import { CampaignsRepository } from './campaigns.repository';
import { CreateCampaignDto, UpdateCampaignDto } from './dto/campaign.dto';
import { AudiencePort } from '../subscribers/audience.port';
import { Conflict, InvalidInput, NotFound } from '../platform/http/domain-error';
import { isFilled } from './notice-composition';
import { NoticeComposer } from './notice-composer.service';
import { Optional } from '@nestjs/common';

/**
 * Campaigns: an incident's message to an audience. This file holds the drafts (create, edit, read); the rest of
 * a campaign's life is one capability a file: its audience (`CampaignAudience`), preview (`CampaignPreview`),
 * state changes (`CampaignLifecycle`), outbox build (`CampaignBuilder`) and progress (`CampaignProgress`).
 */
@Injectable()
export class CampaignsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: CampaignsRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly composer: NoticeComposer,
    @Optional() private readonly audiences?: AudiencePort,
  ) {}

  async create(dto: CreateCampaignDto, actor: Actor): Promise<Campaign> {
    this.composer.kind(dto.kind);
    if (dto.audienceType === 'analysis_run') {
      if (!dto.audienceRef)
        throw new InvalidInput('audienceRef (the analysis run id) is required for an analysis_run audience');
      if (!this.audiences) throw new InvalidInput('analysis audiences are not available');
      await this.audiences.assertReady(dto.audienceRef);
    }
    // What comms wrote (English and Welsh), checked as they save; Candor's links and details filled in.
    const { vars, varsCy } = await this.composer.prepare({
      kind: dto.kind,
      incidentId: dto.incidentId ?? null,
      vars: dto.vars ?? {},
      varsCy: dto.varsCy ?? {},
    });
    return this.db.transaction(async (m) => {
      const c = await this.repo.insert(m, {
        name: dto.name,
        incidentId: dto.incidentId ?? null,
        kind: dto.kind,
        audienceType: dto.audienceType,
        audienceRef: dto.audienceRef ?? null,
        channelPolicy: dto.channelPolicy,
        status: 'draft',
        vars,
        varsCy,
        excludeRecentRecipients: dto.excludeRecentRecipients ?? false,
        ignoreQuietHours: dto.ignoreQuietHours ?? false,
        validitySeconds: dto.validityPeriodSeconds ?? null,
        createdBy: actor.id ?? 'system',
        // the Clock's time: the approvals inbox compares it with the Clock (reminders of what waits)
        createdAt: this.clock.now(),
      });
      await this.audit.record(m, actor, {
        action: 'campaign.create',
        targetType: 'campaign',
        targetId: c.id,
        summary: { name: c.name, kind: c.kind, audience: c.audienceType, policy: c.channelPolicy },
      });
      return c;
    });
  }

  async get(id: string): Promise<Campaign> {
    const c = await this.repo.find(id);
    if (!c) throw new NotFound('campaign not found');
    return c;
  }

  /**
   * Edits a draft: its name, what comms wrote (merged over what is there; an empty string clears a paragraph
   * or a Welsh value) and its options, under the same checks as creating it. Audited with the fields changed.
   */
  async update(id: string, dto: UpdateCampaignDto, actor: Actor): Promise<Campaign> {
    const c = await this.get(id);
    if (c.status !== 'draft')
      throw new Conflict(`only a draft campaign can be edited (this one is ${c.status})`);
    const written = (v: Record<string, string>) =>
      Object.fromEntries(Object.entries(v).filter(([k]) => !isFilled(k)));
    const { vars, varsCy } = await this.composer.prepare({
      kind: c.kind,
      incidentId: c.incidentId,
      vars: { ...written(c.vars), ...(dto.vars ?? {}) },
      varsCy: { ...written(c.varsCy), ...(dto.varsCy ?? {}) },
    });
    return this.db.transaction(async (m) => {
      const written = await this.repo.updateDraft(m, c.id, {
        name: dto.name ?? c.name,
        vars,
        varsCy,
        ignoreQuietHours: dto.ignoreQuietHours ?? c.ignoreQuietHours,
        excludeRecentRecipients: dto.excludeRecentRecipients ?? c.excludeRecentRecipients,
      });
      if (!written) throw new Conflict('the campaign left draft meanwhile; reload');
      await this.audit.record(m, actor, {
        action: 'campaign.edit',
        targetType: 'campaign',
        targetId: c.id,
        summary: {
          fields: Object.keys(dto).filter((k) => (dto as Record<string, unknown>)[k] !== undefined),
          vars: Object.keys(dto.vars ?? {}),
          varsCy: Object.keys(dto.varsCy ?? {}),
        },
      });
      return this.repo.get(m, c.id);
    });
  }

  /** The latest approved (or sent) campaign of `kind` for an incident, or null: what customers were told. */
  async latestApproved(incidentId: string, kind: string): Promise<Campaign | null> {
    return this.repo.latestApproved(incidentId, kind);
  }

  list(): Promise<Campaign[]> {
    return this.repo.newest(100);
  }
}
