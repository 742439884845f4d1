import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Readable } from 'node:stream';
import type { Actor } from '../platform/http/actor';
import { CurrentActor, Interactive, Roles } from '../platform/http/policy.decorators';
import { UploadStream } from '../platform/http/upload';
import { EventStreams } from '../platform/http/event-stream';
import { SendBackDto } from '../platform/http/decision.dto';
import { CampaignSendBackService } from './campaign-send-back.service';
import { CampaignsService } from './campaigns.service';
import { CampaignAudience } from './campaign-audience.service';
import { CampaignLifecycle } from './campaign-lifecycle.service';
import { CampaignPreview } from './campaign-preview.service';
import { CampaignProgress } from './campaign-progress.service';
import {
  CampaignPreviewQueryDto,
  CancelCampaignDto,
  CreateCampaignDto,
  ScheduleCampaignDto,
  UpdateCampaignDto,
} from './dto/campaign.dto';

const STAFF = ['comms', 'support', 'supervisor', 'admin'] as const;
const SENDERS = ['comms', 'supervisor', 'admin'] as const;
/** How often a campaign's live view checks its progress on the server. */
const CAMPAIGN_EVENTS_MS = 2_000;

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('campaigns')
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly lifecycle: CampaignLifecycle,
    private readonly previews: CampaignPreview,
    private readonly progressOf: CampaignProgress,
    private readonly audiences: CampaignAudience,
    private readonly sendBacks: CampaignSendBackService,
    private readonly streams: EventStreams,
  ) {}

  @Post()
  @Roles(...SENDERS)
  create(@Body() dto: CreateCampaignDto, @CurrentActor() actor: Actor) {
    return this.campaigns.create(dto, actor);
  }

  @Get()
  @Roles(...STAFF)
  list() {
    return this.campaigns.list();
  }

  @Get(':id')
  @Roles(...STAFF)
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.campaigns.get(id);
  }

  @Patch(':id')
  @Roles(...SENDERS)
  update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateCampaignDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.campaigns.update(id, dto, actor);
  }

  @Get(':id/preview')
  @Roles(...SENDERS)
  preview(@Param('id', ParseUUIDPipe) id: string, @Query() q: CampaignPreviewQueryDto) {
    return this.previews.preview(id, { excludeRecent: q.excludeRecent });
  }

  @Get(':id/progress')
  @Roles(...STAFF)
  progress(@Param('id', ParseUUIDPipe) id: string) {
    return this.progressOf.progress(id);
  }

  /** The progress as it changes (server-sent `progress` events, checked every 2 s); JSON once otherwise. */
  @Get(':id/events')
  @Roles(...STAFF)
  @ApiOperation({ summary: "A campaign's live progress for the console (server-sent events)" })
  @ApiProduces('text/event-stream', 'application/json')
  events(@Param('id', ParseUUIDPipe) id: string, @Req() req: Request, @Res() res: Response) {
    return this.streams.follow(req, res, 'progress', CAMPAIGN_EVENTS_MS, () => this.progressOf.progress(id));
  }

  @Get(':id/outcomes.csv')
  @Roles('supervisor', 'admin')
  async outcomes(@Param('id', ParseUUIDPipe) id: string) {
    return new StreamableFile(await this.progressOf.outcomesCsv(id), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="campaign-${id}.csv"`,
    });
  }

  /** CSV body (text/csv) with an account_id or msisdn column. */
  @Post(':id/audience')
  @Roles(...SENDERS)
  @ApiConsumes('text/csv')
  audience(
    @Param('id', ParseUUIDPipe) id: string,
    @UploadStream('text/csv', 'text/plain') csv: Readable,
    @CurrentActor() actor: Actor,
  ) {
    return this.audiences.upload(id, csv, actor);
  }

  @Post(':id/approve')
  @Interactive()
  @Roles('supervisor', 'admin')
  @HttpCode(200)
  approve(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor) {
    return this.lifecycle.act(id, 'approve', actor);
  }

  /** Back to its author with a comment (stays a draft; their edit resubmits it); never by its author. */
  @Post(':id/send-back')
  @Interactive()
  @Roles('supervisor', 'admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a draft campaign back to its author with a comment (not its author)' })
  sendBack(@Param('id', ParseUUIDPipe) id: string, @Body() dto: SendBackDto, @CurrentActor() actor: Actor) {
    return this.sendBacks.sendBack(id, dto.comment, actor);
  }

  @Post(':id/schedule')
  @Roles(...SENDERS)
  @HttpCode(200)
  schedule(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ScheduleCampaignDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.lifecycle.act(id, 'schedule', actor, dto.scheduledAt);
  }

  @Post(':id/start')
  @Roles(...SENDERS)
  @HttpCode(200)
  start(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor) {
    return this.lifecycle.act(id, 'start', actor);
  }

  @Post(':id/pause')
  @Roles(...SENDERS)
  @HttpCode(200)
  pause(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor) {
    return this.lifecycle.act(id, 'pause', actor);
  }

  @Post(':id/resume')
  @Roles(...SENDERS)
  @HttpCode(200)
  resume(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor) {
    return this.lifecycle.act(id, 'resume', actor);
  }

  @Post(':id/cancel')
  @Roles(...SENDERS)
  @HttpCode(200)
  cancel(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CancelCampaignDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.lifecycle.act(id, 'cancel', actor, undefined, dto.reason);
  }
}
