import { JOB_NAMES, JOBS, JobSpec, QUEUE_NAMES } from './jobs';
import { loadConfig } from '../config';

describe('JOBS', () => {
  const config = loadConfig({ BILLING_WEBHOOK_ATTEMPTS: '7', INCIDENT_REMINDER_TICK_SECONDS: '45' });

  it('names each job once, on a queue, with bounded retention', () => {
    expect(new Set(JOB_NAMES).size).toBe(JOB_NAMES.length);
    for (const name of JOB_NAMES) {
      const o = (JOBS[name] as JobSpec).options(config);
      expect(QUEUE_NAMES).toContain(JOBS[name].queue);
      expect(o.removeOnComplete).toBeTruthy(); // Redis never keeps every finished job
      expect(o.removeOnFail).toBeTruthy();
    }
  });

  it('takes attempts, backoff and intervals from configuration', () => {
    const spec = (name: keyof typeof JOBS): JobSpec => JOBS[name];
    expect(spec('billing.deliver').options(config).attempts).toBe(7);
    expect(spec('incidents.tick').everyMs!(config)).toBe(45_000);
    expect(spec('sms.send').options(config).removeOnComplete).toBe(true);
  });
});
