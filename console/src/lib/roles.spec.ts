import { auditWho, roleLabel, roleOptions } from './roles';

describe('roles in words', () => {
  it('labels each role and keeps the value', () => {
    expect(roleOptions(['comms', 'support', 'supervisor', 'admin'])).toEqual([
      { value: 'comms', label: 'Comms' },
      { value: 'support', label: 'Support agent' },
      { value: 'supervisor', label: 'Supervisor' },
      { value: 'admin', label: 'Admin' },
    ]);
  });

  it('shows an unknown role as it is', () => {
    expect(roleLabel('auditor')).toBe('auditor');
  });
});

describe('audit "Who"', () => {
  it('names the person and their role for staff', () => {
    expect(auditWho({ actorType: 'staff', actorRole: 'supervisor', actorName: 'Sam Lee' })).toBe(
      'Sam Lee (Supervisor)',
    );
  });

  it('falls back to the role when the person is not known', () => {
    expect(auditWho({ actorType: 'staff', actorRole: 'comms', actorName: null })).toBe('Staff (Comms)');
    expect(auditWho({ actorType: 'staff' })).toBe('Staff');
  });

  it('says System and Customer, never a name or number for a customer', () => {
    expect(auditWho({ actorType: 'system', actorName: 'ignored' })).toBe('System');
    expect(auditWho({ actorType: 'customer', actorName: '+447911123456' })).toBe('Customer');
  });
});
