import { approvalRefusal, sourcesOf, transition, UPDATE_EVENTS, UPDATE_STATES } from './update-state';

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
    expect(transition(from, event)).toEqual({ ok: true, to });
  });

  it('refuses every other transition, with a reason naming the allowed source', () => {
    expect(transition('draft', 'publish')).toEqual({
      ok: false,
      reason: 'cannot publish an update that is draft (only when approved)',
    });
    expect(transition('scheduled', 'publish').ok).toBe(false);
    expect(transition('approved', 'edit').ok).toBe(false);
    // a returned update is approved only after its author resubmits it; it cannot be sent back twice
    expect(transition('returned', 'approve').ok).toBe(false);
    expect(transition('returned', 'send_back').ok).toBe(false);
    expect(transition('approved', 'send_back').ok).toBe(false);
  });

  it('never leaves published or discarded', () => {
    for (const end of ['published', 'discarded'] as const)
      for (const event of UPDATE_EVENTS) expect(transition(end, event).ok).toBe(false);
  });

  it('reaches published only through approval', () => {
    const reachable = new Set<string>(['draft']);
    const withoutApprove = UPDATE_EVENTS.filter((e) => e !== 'approve');
    for (let i = 0; i < UPDATE_STATES.length; i++)
      for (const s of [...reachable])
        for (const e of withoutApprove) {
          const r = transition(s as any, e);
          if (r.ok) reachable.add(r.to);
        }
    expect([...reachable].sort()).toEqual(['discarded', 'draft', 'returned']);
  });

  it('lists the source states of an event for the conditional update', () => {
    expect(sourcesOf('discard').sort()).toEqual(['approved', 'draft', 'returned']);
    expect(sourcesOf('fire')).toEqual(['scheduled']);
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
