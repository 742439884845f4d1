import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { IncomingMessage } from 'node:http';
import type { Actor } from '../platform/http/actor';
import { CurrentActor, Roles } from '../platform/http/policy.decorators';
import { Clock } from '../platform/clock/clock';
import { QueueQueryDto, RejectDto, ScheduleDto } from './dto/number-change.dto';
import { NumberChangeService } from './number-change.service';
import { NumberChangeRequest } from './number-change-request.entity';
import { agentView } from './number-change.views';
import { NumberPoolService } from './number-pool.service';

/** Agents work the queue; supervisors also see SLA breaches and manage the pool. */
@ApiTags('number change (staff)')
@ApiBearerAuth()
@Controller('number-change')
export class NumberChangeController {
  constructor(
    private readonly service: NumberChangeService,
    private readonly pool: NumberPoolService,
    private readonly clock: Clock,
  ) {}

  /** The agent's view with its SLA clock at the Clock's now. */
  private view = (r: NumberChangeRequest) => agentView(r, this.clock.now());

  @Get('requests')
  @Roles('support', 'supervisor', 'admin')
  async queue(@Query() q: QueueQueryDto) {
    return (await this.service.list(q)).map(this.view);
  }

  @Get('requests/:id')
  @Roles('support', 'supervisor', 'admin')
  async detail(@Param('id', ParseUUIDPipe) id: string) {
    const request = this.view(await this.service.get(id));
    return { ...request, history: (await this.service.history(id)).items };
  }

  @Post('requests/:id/approve')
  @Roles('support', 'supervisor', 'admin')
  @HttpCode(200)
  async approve(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() a: Actor) {
    return this.view(await this.service.approve(id, a));
  }

  @Post('requests/:id/reject')
  @Roles('support', 'supervisor', 'admin')
  @HttpCode(200)
  async reject(@Param('id', ParseUUIDPipe) id: string, @Body() dto: RejectDto, @CurrentActor() a: Actor) {
    return this.view(await this.service.reject(id, dto.reason, a));
  }

  @Post('requests/:id/schedule')
  @Roles('support', 'supervisor', 'admin')
  @HttpCode(200)
  async schedule(@Param('id', ParseUUIDPipe) id: string, @Body() dto: ScheduleDto, @CurrentActor() a: Actor) {
    return this.view(await this.service.schedule(id, dto.at ? new Date(dto.at) : undefined, a));
  }

  @Get('breaches')
  @Roles('supervisor', 'admin')
  async breaches() {
    return (await this.service.breaches()).map(this.view);
  }

  @Get('pool')
  @Roles('support', 'supervisor', 'admin')
  poolSummary() {
    return this.pool.summary();
  }

  /** Body: text/csv with an `msisdn` column; streamed, so the file may be large. */
  @Post('pool/import')
  @Roles('supervisor', 'admin')
  @ApiConsumes('text/csv')
  @HttpCode(200)
  importPool(@Req() req: IncomingMessage, @CurrentActor() a: Actor) {
    if (!/^text\/csv\b/.test(req.headers['content-type'] ?? ''))
      throw new UnsupportedMediaTypeException('Send the pool as text/csv');
    return this.pool.importCsv(req, a);
  }
}
