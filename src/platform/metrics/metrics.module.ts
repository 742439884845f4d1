import { Controller, Get, Global, Header, Injectable, Module, NestMiddleware } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../http/policy.decorators';
import { JobMetrics } from './metrics.service';

@ApiExcludeController()
@Controller('metrics')
class MetricsController {
  constructor(private readonly metrics: JobMetrics) {}

  @Get()
  @Public()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

/** Times every request; the label is the route template (`/incidents/:id`), never the raw URL. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: JobMetrics) {}
  use(req: any, res: any, next: () => void): void {
    const end = this.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl ?? ''}${req.route.path}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  }
}

@Global()
@Module({
  controllers: [MetricsController],
  providers: [JobMetrics, HttpMetricsMiddleware],
  exports: [JobMetrics],
})
export class MetricsModule {}
