import { Controller, Get, Param, ParseEnumPipe, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiParam, ApiTags } from '@nestjs/swagger';
import type { HttpResponse as Response } from './http-types';
import { Roles } from '../platform/http/policy.decorators';
import { ReportQueryDto } from './dto/period.dto';
import { REPORT_NAMES, ReportName, ReportsService } from './reports.service';

@ApiTags('compensation')
@ApiBearerAuth()
@Controller('compensation/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  /** liability (per offer), credits-by-agent (agent × reason), daily (UTC days); `format=csv` streams CSV. */
  @Get(':name')
  @Roles('supervisor', 'admin')
  @ApiParam({ name: 'name', enum: REPORT_NAMES })
  async report(
    @Param('name', new ParseEnumPipe(Object.fromEntries(REPORT_NAMES.map((n) => [n, n])))) name: ReportName,
    @Query() q: ReportQueryDto,
    @Res() res: Response,
  ) {
    const [from, to] = this.reports.period(q.from, q.to);
    if (q.format !== 'csv') {
      res.json({ report: name, from, to, rows: await this.reports.json(name, from, to) });
      return;
    }
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="${name}.csv"`);
    await this.reports.csv(name, from, to, res);
  }
}
