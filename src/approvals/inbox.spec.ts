import { Candidate, inboxFor, pounds } from './inbox';

const base = { title: 't', detail: 'd', link: '/console/x' };
const c = (over: Partial<Candidate>): Candidate => ({
  kind: 'update',
  id: 'a',
  waitingSince: '2026-12-03T10:00:00.000Z',
  requestedBy: 'author',
  deciderRoles: ['supervisor'],
  secondPerson: true,
  ...base,
  ...over,
});

describe('approvals inbox', () => {
  it("shows what the person's role may decide, never their own request, oldest first", () => {
    const items = inboxFor({ id: 'sup', role: 'supervisor' }, [
      c({ id: 'late', waitingSince: '2026-12-03T11:00:00.000Z' }),
      c({ id: 'mine', requestedBy: 'sup' }),
      c({ id: 'admins', deciderRoles: ['admin'] }),
      c({ id: 'early', waitingSince: '2026-12-03T09:00:00.000Z' }),
      c({ id: 'self-ok', requestedBy: 'sup', secondPerson: false }),
    ]);
    expect(items.map((i) => i.id)).toEqual(['early', 'self-ok', 'late']);
    expect(items[0]).not.toHaveProperty('requestedBy');
  });

  it('lets an incident name comms as approvers', () => {
    const items = inboxFor({ id: 'c2', role: 'comms' }, [c({ deciderRoles: ['comms', 'supervisor'] })]);
    expect(items).toHaveLength(1);
  });

  it('writes money in pounds', () => {
    expect(pounds(500)).toBe('£5.00');
    expect(pounds(25001)).toBe('£250.01');
  });
});
