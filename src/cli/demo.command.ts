import { Command, CommandRunner, Option } from 'nest-commander';
import { DataSource } from 'typeorm';
import { AnalysisService } from '../analysis/analysis.service';
import { createApp } from '../bootstrap';
import { UsersService } from '../identity/users.service';
import { AppConfig } from '../platform/config';
import { SubscribersImportService } from '../subscribers/subscribers-import.service';
import { demoAnalysis } from './demo/demo-analysis';
import { demoCompensation } from './demo/demo-compensation';
import { demoCustomerPages } from './demo/demo-customer-pages';
import { demoIncident } from './demo/demo-incident';
import { demoNotifications } from './demo/demo-notifications';
import { demoNumberChange } from './demo/demo-number-change';
import { consoleUsers, ensureAdmin } from './demo/demo-staff';

interface DemoOptions {
  once?: boolean;
  json?: boolean;
  port?: string;
}

/**
 * The README's main command: migrates, creates a demo admin and runs the whole story on sample data
 * through the local sinks, then keeps serving (or, with --once, exits and prints a JSON summary).
 */
@Command({ name: 'demo', description: 'Run the end-to-end demo on sample data' })
export class DemoCommand extends CommandRunner {
  async run(_: string[], o: DemoOptions): Promise<void> {
    const overrides: Record<string, string> = { LOG_TARGET: 'stderr' };
    if (o.port) Object.assign(overrides, { PORT: o.port, PUBLIC_BASE_URL: `http://localhost:${o.port}` });
    if (o.once) overrides.LOG_LEVEL = 'warn';
    const started = Date.now();
    const app = await createApp({ overrides });
    const config = app.get(AppConfig);
    const summary: Record<string, unknown> = {};
    try {
      summary.admin = await ensureAdmin(app.get(DataSource), app.get(UsersService));
      summary.console = await consoleUsers(app, config, summary.admin as { password?: string });
      summary.analysis = await demoAnalysis(app.get(SubscribersImportService), app.get(AnalysisService));
      summary.incident = await demoIncident(app, config, summary.analysis as Record<string, any>);
      summary.notifications = await demoNotifications(app, summary);
      summary.compensation = await demoCompensation(app, summary);
      summary.numberChange = await demoNumberChange(app);
      summary.customerPages = await demoCustomerPages(app, summary);
      summary.baseUrl = config.http.publicBaseUrl;
      summary.port = config.http.port;
      summary.durationMs = Date.now() - started;
    } catch (e) {
      await app.close();
      throw e;
    }
    if (o.json) process.stdout.write(JSON.stringify(summary) + '\n');
    else {
      process.stderr.write(
        `\nCandor demo is running on ${config.http.publicBaseUrl}\n` +
          `  API docs:     ${config.http.publicBaseUrl}/docs\n` +
          `  Demo admin:   ${(summary.admin as any).email} / ${(summary.admin as any).password ?? '(existing user, password unchanged)'}\n` +
          `  Staff console: ${(summary.console as any).url} — one demo user per role:\n` +
          (summary.console as any).users
            .map(
              (u: any) =>
                `    ${u.role.padEnd(10)} ${u.email} / ${u.password ?? '(existing user, password unchanged)'}\n`,
            )
            .join('') +
          `  Status page:  ${config.http.publicBaseUrl}/status (incident: ${(summary.incident as any).statusPageUrl})\n` +
          `  Am I affected? ${config.http.publicBaseUrl}/affected (the code goes to the Twilio sandbox: GET /sandbox/sms as admin)\n` +
          `  Check a message: ${(summary.notifications as any).verifyExample ?? `${config.http.publicBaseUrl}/verify`}\n` +
          `Press Ctrl+C to stop.\n`,
      );
    }
    if (o.once) {
      await app.close();
      return;
    }
    await new Promise<void>((resolve) => app.getHttpServer().on('close', resolve));
  }

  @Option({ flags: '--once', description: 'exit when the story has run' })
  once() {
    return true;
  }

  @Option({ flags: '--json', description: 'print one JSON summary on stdout' })
  json() {
    return true;
  }

  @Option({ flags: '--port <port>', description: 'HTTP port (default PORT or 3000)' })
  port(v: string) {
    return v;
  }
}
