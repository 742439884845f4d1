import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../platform/http/actor';
import { CurrentActor, Roles } from '../platform/http/policy.decorators';
import { CustomerOverviewDto, CustomerSearchDto, CustomerSearchResultDto } from './dto/support.dto';
import { SupportService } from './support.service';

@ApiTags('support')
@ApiBearerAuth()
@Controller('support')
export class SupportController {
  constructor(private readonly support: SupportService) {}

  @Get('customers')
  @Roles('support', 'supervisor', 'admin')
  @ApiOperation({
    summary: 'Find a customer by account id, number in any format, email or first name (audited)',
  })
  @ApiOkResponse({ type: CustomerSearchResultDto })
  search(@Query() q: CustomerSearchDto, @CurrentActor() actor: Actor): Promise<CustomerSearchResultDto> {
    return this.support.search(q.q, actor);
  }

  @Get('customers/:id')
  @Roles('support', 'supervisor', 'admin')
  @ApiOperation({
    summary:
      'A customer page: details (masked), exposure, messages, offers and claims, credits and balance, number changes (audited)',
  })
  @ApiOkResponse({ type: CustomerOverviewDto })
  overview(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<CustomerOverviewDto> {
    return this.support.overview(id, actor);
  }
}
