import { approvalRefusal, UPDATE_EVENTS, UPDATE_STATES, updateMachine } from './update-state';

const next = updateMachine.next;

describe('update state machine', () => {
  it.each([
    ['draft', 'approve', 'approved'],
    ['draft', 'edit', 'draft'],
    ['approved', 'publish', 'published'],
    ['approved', 'schedule', 'scheduled'],
    ['scheduled', 'unschedule', 'approved'],
    ['scheduled', 'fire', 'published'],
    ['draft', 'discard', 'discarded'],
    ['approved', 'discard', 'discarded'],
    ['draft', 'send_back', 'returned'],
    ['returned', 'edit', 'draft'],
    ['returned', 'discard', 'discarded'],
  ] as const)('%s --%s--> %s', (from, event, to) => {
    expect(next(from, event)).toBe(to);
  });

  it('refuses every other transition, with a reason naming the allowed source', () => {
    expect(next('draft', 'publish')).toBeNull();
    expect(updateMachine.refusal('update', 'draft', 'publish')).toBe(
      'cannot publish an update that is draft (only from: approved)',
    );
    expect(next('scheduled', 'publish')).toBeNull();
    expect(next('approved', 'edit')).toBeNull();
    // a returned update is approved only after its author resubmits it; it cannot be sent back twice
    expect(next('returned', 'approve')).toBeNull();
    expect(next('returned', 'send_back')).toBeNull();
    expect(next('approved', 'send_back')).toBeNull();
  });

  it('never leaves published or discarded', () => {
    for (const end of ['published', 'discarded'] as const)
      for (const event of UPDATE_EVENTS) expect(next(end, event)).toBeNull();
  });

  it('reaches published only through approval', () => {
    const reachable = new Set<string>(['draft']);
    const withoutApprove = UPDATE_EVENTS.filter((e) => e !== 'approve');
    for (let i = 0; i < UPDATE_STATES.length; i++)
      for (const s of [...reachable])
        for (const e of withoutApprove) {
          const to = next(s as any, e);
          if (to) reachable.add(to);
        }
    expect([...reachable].sort()).toEqual(['discarded', 'draft', 'returned']);
  });

  it('lists the source states of an event for the conditional update', () => {
    expect([...updateMachine.from('discard')].sort()).toEqual(['approved', 'draft', 'returned']);
    expect(updateMachine.from('fire')).toEqual(['scheduled']);
  });
});

describe('approvalRefusal', () => {
  it('allows a second person with an approver role', () => {
    expect(approvalRefusal({ id: 'b', role: 'supervisor' }, 'a', ['supervisor'])).toBeNull();
  });
  it('refuses the author, even a supervisor', () => {
    expect(approvalRefusal({ id: 'a', role: 'supervisor' }, 'a', ['supervisor'])).toMatch(/someone other/);
  });
  it('refuses a role the incident does not list, and honours a per-incident list', () => {
    expect(approvalRefusal({ id: 'b', role: 'comms' }, 'a', ['supervisor'])).toMatch(
      /requires role: supervisor/,
    );
    expect(approvalRefusal({ id: 'b', role: 'comms' }, 'a', ['comms', 'supervisor'])).toBeNull();
  });
});
