import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Header,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { EventStreams } from '../platform/http/event-stream';
import type { Actor } from '../platform/http/actor';
import { CurrentActor, CurrentPrincipal, CustomerOnly, Roles } from '../platform/http/policy.decorators';
import type { Principal } from '../platform/http/principal';
import { AnalysisInputError } from './analysis-input';
import { AnalysisInputs } from './analysis-inputs.service';
import { AnalysisResults } from './analysis-results.service';
import { AnalysisSummaries } from './analysis-summaries.service';
import { AnalysisService } from './analysis.service';
import { CustomerExposureService } from './customer-exposure.service';
import { StartAnalysisDto, SubscribersPageDto } from './dto/analysis.dto';
import { renderReport } from './report';

/** Engineers start runs; everyone handling the incident reads the results; people lists are narrower. */
const RUNNERS = ['supervisor', 'admin'] as const;
const READERS = ['comms', 'support', 'supervisor', 'admin'] as const;
const PEOPLE = ['support', 'supervisor', 'admin'] as const;
/** How often a run's live view checks it on the server. */
const RUN_EVENTS_MS = 2_000;

@ApiTags('analysis')
@ApiBearerAuth()
@Controller('analyses')
export class AnalysisController {
  constructor(
    private readonly analyses: AnalysisService,
    private readonly inputs: AnalysisInputs,
    private readonly summaries: AnalysisSummaries,
    private readonly results: AnalysisResults,
    private readonly streams: EventStreams,
  ) {}

  /** Starts a run on files on the server (inside ANALYSIS_INPUT_DIR) as a queued job; poll GET /analyses/:id. */
  @Post()
  @Roles(...RUNNERS)
  async start(@Body() dto: StartAnalysisDto, @CurrentActor() actor: Actor) {
    try {
      const run = await this.analyses.start(
        {
          files: this.inputs.serverFiles(dto.files),
          from: new Date(dto.from),
          to: new Date(dto.to),
          partners: dto.partners,
          incidentId: dto.incidentId,
          format: dto.format,
          squidLogformat: dto.squidLogformat,
        },
        actor,
      );
      return this.summaries.summary(run.id);
    } catch (e) {
      if (e instanceof AnalysisInputError) throw new BadRequestException(this.inputs.displayText(e.message));
      throw e;
    }
  }

  @Get()
  @Roles(...READERS)
  list() {
    return this.summaries.list();
  }

  @Get('input-files')
  @Roles(...RUNNERS)
  @ApiOperation({ summary: 'Log files in the input folder that a run may read (names and sizes)' })
  inputFiles() {
    return this.inputs.inputFiles();
  }

  /** The run's summary as it changes (server-sent `run` events, checked every 2 s); JSON once otherwise. */
  @Get(':id/events')
  @Roles(...READERS)
  @ApiOperation({ summary: "A run's live progress for the console (server-sent events)" })
  @ApiProduces('text/event-stream', 'application/json')
  events(@Param('id', ParseUUIDPipe) id: string, @Req() req: Request, @Res() res: Response) {
    return this.streams.follow(req, res, 'run', RUN_EVENTS_MS, () => this.summaries.summary(id));
  }

  @Get(':id')
  @Roles(...READERS)
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.summaries.summary(id);
  }

  @Get(':id/report')
  @Roles(...READERS)
  @Header('content-type', 'text/plain; charset=utf-8')
  async report(@Param('id', ParseUUIDPipe) id: string) {
    return renderReport(await this.summaries.summary(id));
  }

  @Get(':id/subscribers')
  @Roles(...PEOPLE)
  subscribers(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: SubscribersPageDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.results.subscribers(id, q, actor);
  }

  @Get(':id/subscribers.csv')
  @Roles(...RUNNERS)
  async exportCsv(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor) {
    const stream = await this.results.exportCsv(id, actor);
    return new StreamableFile(stream, {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="analysis-${id}.csv"`,
    });
  }
}

@ApiTags('customer')
@ApiBearerAuth()
@Controller('customer')
export class CustomerExposureController {
  constructor(private readonly exposures: CustomerExposureService) {}

  /** "Am I affected?" for the signed-in customer, from completed analyses; nobody else's data. */
  @Get('exposure')
  @CustomerOnly()
  exposure(@CurrentPrincipal() p: Principal) {
    if (p.type !== 'customer') throw new BadRequestException();
    return this.exposures.customerExposure(p.subscriberId);
  }
}
