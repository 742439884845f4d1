import { WorkerHost } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { loadConfig } from '../config';
import { JobMetrics } from '../metrics/metrics.service';
import { WorkerRunner } from './worker-runner';

function host(name: string): WorkerHost {
  return Object.assign(Object.create(WorkerHost.prototype), { _worker: { name } });
}

describe('WorkerRunner.checkWiring', () => {
  const queues: Queue[] = [];
  const queue = (name: string) => {
    const q = new Queue(name, { connection: { host: '127.0.0.1', port: 6379, lazyConnect: true } });
    queues.push(q);
    return q;
  };
  afterAll(() => Promise.all(queues.map((q) => q.close())));

  const runner = (instances: unknown[], jobProblems: string[] = []) =>
    new WorkerRunner(
      { getProviders: () => instances.map((instance) => ({ instance })) } as any,
      loadConfig({}),
      new JobMetrics(),
      { wiringProblems: () => jobProblems } as any,
    );

  it('accepts one processor per queue', () => {
    expect(() => runner([queue('a'), host('a'), queue('b'), host('b')]).checkWiring()).not.toThrow();
  });

  it('refuses a queue without a processor, a duplicate processor, and a processor without a queue', () => {
    expect(() => runner([queue('a')]).checkWiring()).toThrow('queue "a" has 0 processors');
    expect(() => runner([queue('a'), host('a'), host('a')]).checkWiring()).toThrow(
      'queue "a" has 2 processors',
    );
    expect(() => runner([host('z')]).checkWiring()).toThrow('processor for "z" has no registered queue');
  });

  it('refuses a job name without a handler', () => {
    expect(() => runner([queue('a'), host('a')], ['job "x.y" has no handler']).checkWiring()).toThrow(
      'job "x.y" has no handler',
    );
  });
});
