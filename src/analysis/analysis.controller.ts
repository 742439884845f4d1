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
  StreamableFile,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../platform/http/actor';
import { CurrentActor, CurrentPrincipal, CustomerOnly, Roles } from '../platform/http/policy.decorators';
import type { Principal } from '../platform/http/principal';
import { AnalysisInputError } from './analysis-input';
import { AnalysisService } from './analysis.service';
import { StartAnalysisDto, SubscribersPageDto } from './dto/analysis.dto';
import { renderReport } from './report';

/** Engineers start runs; everyone handling the incident reads the results; people lists are narrower. */
const RUNNERS = ['supervisor', 'admin'] as const;
const READERS = ['comms', 'support', 'supervisor', 'admin'] as const;
const PEOPLE = ['support', 'supervisor', 'admin'] as const;

@ApiTags('analysis')
@ApiBearerAuth()
@Controller('analyses')
export class AnalysisController {
  constructor(private readonly analyses: AnalysisService) {}

  /** Starts a run on files on the server (inside ANALYSIS_INPUT_DIR) as a queued job; poll GET /analyses/:id. */
  @Post()
  @Roles(...RUNNERS)
  async start(@Body() dto: StartAnalysisDto, @CurrentActor() actor: Actor) {
    try {
      const run = await this.analyses.start(
        {
          files: this.analyses.serverFiles(dto.files),
          from: new Date(dto.from),
          to: new Date(dto.to),
          partners: dto.partners,
          incidentId: dto.incidentId,
          format: dto.format,
          squidLogformat: dto.squidLogformat,
        },
        actor,
      );
      return this.analyses.summary(run.id);
    } catch (e) {
      if (e instanceof AnalysisInputError) throw new BadRequestException(e.message);
      throw e;
    }
  }

  @Get()
  @Roles(...READERS)
  list() {
    return this.analyses.list();
  }

  @Get(':id')
  @Roles(...READERS)
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.analyses.summary(id);
  }

  @Get(':id/report')
  @Roles(...READERS)
  @Header('content-type', 'text/plain; charset=utf-8')
  async report(@Param('id', ParseUUIDPipe) id: string) {
    return renderReport(await this.analyses.summary(id));
  }

  @Get(':id/subscribers')
  @Roles(...PEOPLE)
  subscribers(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: SubscribersPageDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.analyses.subscribers(id, q, actor);
  }

  @Get(':id/subscribers.csv')
  @Roles(...RUNNERS)
  async exportCsv(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor) {
    const stream = await this.analyses.exportCsv(id, actor);
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
  constructor(private readonly analyses: AnalysisService) {}

  /** "Am I affected?" for the signed-in customer, from completed analyses; nobody else's data. */
  @Get('exposure')
  @CustomerOnly()
  exposure(@CurrentPrincipal() p: Principal) {
    if (p.type !== 'customer') throw new BadRequestException();
    return this.analyses.customerExposure(p.subscriberId);
  }
}
