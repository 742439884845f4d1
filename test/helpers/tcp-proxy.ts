import { createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of a shared server (PostgreSQL, Redis), so a test can take "the database" away without
 * touching the server other people use:
 * - `down()`: every connection is cut and new ones are reset at once (a server that stopped);
 * - `pause()`: connections stay open but nothing is forwarded, either way (a server that hangs: SIGSTOP);
 * - `up()`: back to normal (paused bytes are delivered, as after SIGCONT).
 */
export class TcpProxy {
  private server?: Server;
  private mode: 'up' | 'down' | 'paused' = 'up';
  private readonly pairs = new Set<{ client: Socket; upstream: Socket; held: Array<() => void> }>();

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  /** The target URL with its host and port replaced by the proxy's. */
  via(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  async start(): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return this;
  }

  private accept(client: Socket): void {
    if (this.mode === 'down') return void client.destroy();
    const upstream = new Socket();
    const pair = { client, upstream, held: [] as Array<() => void> };
    this.pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        const send = () => to.destroyed || to.write(chunk);
        if (this.mode === 'paused') pair.held.push(send);
        else send();
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.connect(this.targetPort, this.targetHost);
  }

  down(): void {
    this.mode = 'down';
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    this.pairs.clear();
  }

  pause(): void {
    this.mode = 'paused';
  }

  up(): void {
    this.mode = 'up';
    for (const p of this.pairs) p.held.splice(0).forEach((send) => send());
  }

  async stop(): Promise<void> {
    this.down();
    await new Promise((r) => this.server?.close(r));
  }
}
