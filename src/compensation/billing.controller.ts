import { Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { HttpResponse as Response } from './http-types';
import type { Actor } from '../platform/http/actor';
import { CurrentActor, Roles } from '../platform/http/policy.decorators';
import { BillingService } from './billing.service';
import { OutboxQueryDto, PeriodDto } from './dto/period.dto';
import { ParseBigIntIdPipe } from './parse-id.pipe';
import { ReportsService } from './reports.service';

@ApiTags('compensation')
@ApiBearerAuth()
@Controller('compensation/billing')
export class BillingController {
  constructor(
    private readonly billing: BillingService,
    private readonly reports: ReportsService,
  ) {}

  /** The outbox; `?status=dead` is the dead-letter view. */
  @Get('outbox')
  @Roles('supervisor', 'admin')
  list(@Query() q: OutboxQueryDto) {
    return this.billing.list(q.status, q.limit ?? 100);
  }

  @Post('outbox/:id/retry')
  @Roles('supervisor', 'admin')
  @HttpCode(200)
  retry(@Param('id', ParseBigIntIdPipe) id: string, @CurrentActor() actor: Actor) {
    return this.billing.retry(id, actor);
  }

  /** Billing events created in [from, to) as CSV, streamed. */
  @Get('export')
  @Roles('supervisor', 'admin')
  async export(@Query() q: PeriodDto, @Res() res: Response) {
    const [from, to] = this.reports.period(q.from, q.to);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader(
      'content-disposition',
      `attachment; filename="billing-${q.from}-${q.to}.csv"`.replace(/:/g, ''),
    );
    await this.billing.exportCsv(from, to, res);
  }
}
