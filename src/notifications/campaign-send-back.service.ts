import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { Actor } from '../platform/http/actor';
import { Conflict, Forbidden, NotFound } from '../platform/http/domain-error';
import { Campaign } from './campaign.entity';
import { CampaignsRepository } from './campaigns.repository';

/**
 * A supervisor sends a draft campaign back to its author with a comment instead of approving it: it stays a
 * draft, leaves the approvers' inbox, and an edit by the author resubmits it (CampaignsService.update clears
 * the comment; approval refuses a campaign while it is sent back). One conditional UPDATE decides a race
 * with an approval or a second send-back.
 */
@Injectable()
export class CampaignSendBackService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: CampaignsRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async sendBack(id: string, comment: string, actor: Actor): Promise<Campaign> {
    return this.db.transaction(async (m) => {
      const c = await this.repo.find(id, m);
      if (!c) throw new NotFound('No such campaign');
      if (c.createdBy === actor.id)
        throw new Forbidden('a campaign must be sent back by someone other than its author');
      const sent = await this.repo.sendBack(m, id, { comment, by: actor.id ?? null, at: this.clock.now() });
      if (!sent)
        throw new Conflict(
          c.status === 'draft'
            ? 'this campaign is already sent back to its author'
            : `only a draft waiting for approval can be sent back (this one is ${c.status})`,
        );
      await this.audit.record(m, actor, {
        action: 'campaign.send_back',
        targetType: 'campaign',
        targetId: id,
        summary: { comment, author: c.createdBy },
      });
      return this.repo.get(m, id);
    });
  }
}
