import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { STAFF_ROLES } from '../src/platform/http/principal';
import { newToken, sha256 } from '../src/identity/secrets';
import { CustomerSession } from '../src/identity/customer-session.entity';
import { startTestApp, TestApp } from './helpers/app';
import { staffTokens } from './helpers/staff';
import { Access, RouteTable } from './role-matrix/types';

/** Every table in test/role-matrix/ (one per module) merged into one. */
function expectedTable(): RouteTable {
  const dir = join(__dirname, 'role-matrix');
  const table: RouteTable = {};
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'types.ts')) {
    Object.assign(table, require(join(dir, f)).routes);
  }
  return table;
}

/** Every route the running app declares, as `METHOD /path`, read from the controllers' metadata. */
function declaredRoutes(t: TestApp): string[] {
  const discovery = t.get<DiscoveryService>(DiscoveryService);
  const scanner = new MetadataScanner();
  const out: string[] = [];
  for (const wrapper of discovery.getControllers()) {
    const proto = Object.getPrototypeOf(wrapper.instance);
    const base = [Reflect.getMetadata(PATH_METADATA, wrapper.metatype as object)].flat()[0] ?? '';
    for (const name of scanner.getAllMethodNames(proto)) {
      const handler = proto[name];
      const path = Reflect.getMetadata(PATH_METADATA, handler);
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      for (const p of [path].flat()) {
        const full = ('/' + [base, p].filter((s: string) => s && s !== '/').join('/')).replace(/\/+/g, '/');
        out.push(`${method} ${full}`);
      }
    }
  }
  return out;
}

describe('role matrix: every route, every kind of caller', () => {
  let t: TestApp;
  let tokens: Record<string, string>;
  let customerToken: string;
  const table = expectedTable();

  beforeAll(async () => {
    t = await startTestApp();
    ({ tokens } = await staffTokens(t));
    await refreshCustomer();
  });

  async function refreshCustomer() {
    const sub = await t
      .get<SubscribersService>(SubscribersService)
      .upsert({ accountId: 'RM-1', msisdn: '07911 123456' });
    customerToken = newToken('customer');
    await t.db.getRepository(CustomerSession).insert({
      subscriberId: sub.id,
      tokenHash: sha256(customerToken),
      expiresAt: new Date(Date.now() + 3600_000),
    });
  }
  afterAll(() => t?.close());

  it('has an expectation for every declared route, and no stale ones', () => {
    const declared = declaredRoutes(t).filter((r) => !r.startsWith('GET /docs'));
    expect(declared.filter((r) => !(r in table))).toEqual([]);
    expect(Object.keys(table).filter((r) => !declared.includes(r))).toEqual([]);
  });

  const callers: Array<[string, (t: TestApp) => string | undefined]> = [
    ['anonymous', () => undefined],
    ['customer', () => customerToken],
    ...STAFF_ROLES.map((r) => [r, () => tokens[r]] as [string, () => string]),
  ];

  function allowed(access: Access, caller: string): boolean {
    if (access === 'public') return true;
    if (access === 'signed') return false;
    if (access === 'customer') return caller === 'customer';
    return (access as string[]).includes(caller);
  }

  // Logout routes revoke the caller's token, so they run last.
  const ordered = Object.entries(table).sort(
    ([a], [b]) => Number(a.endsWith('/logout')) - Number(b.endsWith('/logout')),
  );

  it.each(ordered)('%s → %j', async (route, access) => {
    const [method, path] = route.split(' ');
    if (route.endsWith('/logout')) {
      ({ tokens } = await staffTokens(t));
      await refreshCustomer();
    }
    // Parameters get well-formed values that match nothing, so allowed callers reach the handler.
    const url = path.replace(/:(\w+)/g, (_m, name) =>
      /id$/i.test(name) ? '00000000-0000-4000-8000-000000000000' : 'x',
    );
    for (const [caller, tokenOf] of callers) {
      const req = (t.http() as any)[method.toLowerCase()](url);
      const token = tokenOf(t);
      if (token) req.set('authorization', `Bearer ${token}`);
      const res = await req.send({});
      const ok = allowed(access, caller);
      const expected = ok ? 'in' : caller === 'anonymous' && access !== 'signed' ? 401 : 403;
      const got = res.status === 401 || res.status === 403 ? res.status : 'in';
      expect({ route, caller, status: got }).toEqual({ route, caller, status: expected });
    }
  });
});
