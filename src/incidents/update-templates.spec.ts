import { fillTemplate, unknownPlaceholders, UpdateTemplate } from './update-templates';

const identified: UpdateTemplate = {
  key: 'identified',
  version: 1,
  incidentStatus: 'identified',
  body: 'We have found the cause of the problem affecting {{services}} and are working on a fix.',
  bodyCy:
    'Rydym wedi dod o hyd i achos y broblem sy’n effeithio ar {{services}} ac rydym yn gweithio ar ateb.',
};

describe('update templates', () => {
  it('fill the affected services in both languages, Welsh names when given', () => {
    const t = fillTemplate(identified, ['mobile data', 'web browsing'], ['data symudol', 'pori’r we']);
    expect(t.body).toContain('affecting mobile data, web browsing and');
    expect(t.bodyCy).toContain('effeithio ar data symudol, pori’r we ac');
    expect(t.incidentStatus).toBe('identified');
  });
  it('fall back to English names, then to a generic phrase', () => {
    expect(fillTemplate(identified, ['mobile data']).bodyCy).toContain('mobile data');
    expect(fillTemplate(identified, []).body).toContain('affecting our services');
    expect(fillTemplate(identified, []).bodyCy).toContain('ein gwasanaethau');
  });
  it('know only the services placeholder', () => {
    expect(unknownPlaceholders('a {{services}} b {{ title }} {{x.y}}')).toEqual(['title', 'x.y']);
  });
});
