import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal, Roles } from '../platform/http/policy.decorators';
import { STAFF_ROLES, type Principal } from '../platform/http/principal';
import { StaffAuthService } from '../identity/staff-auth.service';
import { ApprovalsService } from './approvals.service';
import { InboxCountDto, InboxItemDto, ReturnedItemDto } from './dto/approval.dto';
import { LiveEvents } from './live-events';
import { wantsEventStream } from '../platform/http/event-stream';

const me = (p: Principal) => {
  StaffAuthService.ensureStaff(p);
  return { id: p.userId, role: p.role };
};

@ApiTags('approvals')
@ApiBearerAuth()
@Controller('approvals')
export class ApprovalsController {
  constructor(
    private readonly approvals: ApprovalsService,
    private readonly live: LiveEvents,
  ) {}

  @Get()
  @Roles(...STAFF_ROLES)
  @ApiOperation({
    summary:
      'My approvals inbox: updates, campaigns, credits over the limit and held number changes I may decide',
  })
  @ApiOkResponse({ type: [InboxItemDto] })
  inbox(@CurrentPrincipal() p: Principal): Promise<InboxItemDto[]> {
    return this.approvals.inbox(me(p));
  }

  @Get('returned')
  @Roles(...STAFF_ROLES)
  @ApiOperation({
    summary:
      'Sent back to me: my drafts returned with a comment, my offers and text changes rejected this week',
  })
  @ApiOkResponse({ type: [ReturnedItemDto] })
  returned(@CurrentPrincipal() p: Principal): Promise<ReturnedItemDto[]> {
    return this.approvals.returnedTo(me(p));
  }

  @Get('count')
  @Roles(...STAFF_ROLES)
  @ApiOperation({ summary: 'How many items wait for my decision (the number in the navigation)' })
  @ApiOkResponse({ type: InboxCountDto })
  async count(@CurrentPrincipal() p: Principal): Promise<InboxCountDto> {
    return { count: (await this.approvals.inbox(me(p))).length };
  }

  /**
   * Live view for the console (server-sent events): an `inbox` event with my count and a `changed` event
   * whenever my inbox or any incident changes. A request that does not accept `text/event-stream` gets the
   * current state once, as JSON.
   */
  @Get('events')
  @Roles(...STAFF_ROLES)
  @ApiOperation({ summary: 'Live changes for the console (server-sent events; JSON snapshot otherwise)' })
  @ApiProduces('text/event-stream', 'application/json')
  @ApiOkResponse({ type: InboxCountDto })
  async events(@CurrentPrincipal() p: Principal, @Req() req: Request, @Res() res: Response) {
    const who = me(p);
    if (!wantsEventStream(req)) {
      res.json({ count: (await this.approvals.marker(who)).count });
      return;
    }
    this.live.stream(req, res, () => this.approvals.marker(who));
  }
}
