import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { Actor } from '../platform/http/actor';
import { Conflict, Forbidden, NotFound } from '../platform/http/domain-error';
import { Campaign } from './campaign.entity';

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
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async sendBack(id: string, comment: string, actor: Actor): Promise<Campaign> {
    return this.db.transaction(async (m) => {
      const c = await m.findOneBy(Campaign, { id });
      if (!c) throw new NotFound('No such campaign');
      if (c.createdBy === actor.id)
        throw new Forbidden('a campaign must be sent back by someone other than its author');
      const [, n] = await m.query(
        `UPDATE campaigns SET returned_comment = $2, returned_by = $3, returned_at = $4, updated_at = now()
          WHERE id = $1 AND status = 'draft' AND returned_at IS NULL`,
        [id, comment, actor.id, this.clock.now()],
      );
      if (!n)
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
      return m.findOneByOrFail(Campaign, { id });
    });
  }
}
