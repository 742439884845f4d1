import { fillTemplate, UPDATE_TEMPLATES } from './update-templates';

describe('update templates', () => {
  it('fill the affected services in both languages', () => {
    const t = fillTemplate('identified', ['mobile data', 'web gateway'])!;
    expect(t.body).toContain('affecting mobile data, web gateway and');
    expect(t.bodyCy).toContain('mobile data, web gateway');
    expect(t.incidentStatus).toBe('identified');
  });
  it('fall back to a generic phrase, and refuse unknown keys', () => {
    expect(fillTemplate('resolved', [])!.body).toContain('affecting our services');
    expect(fillTemplate('nope', [])).toBeUndefined();
  });
  it('leave no placeholder behind', () => {
    for (const t of UPDATE_TEMPLATES) expect(JSON.stringify(fillTemplate(t.key, ['x']))).not.toContain('{{');
  });
});
