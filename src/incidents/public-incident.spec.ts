import { foldPublished, isStatusBack, PublishedRow } from './public-incident';

const at = (h: number) => new Date(Date.UTC(2026, 2, 29, h));
const incident = (id: string, status: PublishedRow['status'] = 'identified') => ({
  id,
  title: `T ${id}`,
  titleCy: null,
  summary: 's',
  summaryCy: null,
  advice: 'a',
  adviceCy: null,
  impact: 'major' as const,
  status,
  detectedAt: at(0),
  resolvedAt: null,
  affectedServices: ['SMS'],
  affectedServicesCy: null,
  personalDataBreach: false,
  helpBlocks: [],
});
const update = (id: string, h: number, more: Partial<PublishedRow> = {}) => ({
  updateId: id,
  updateIncidentStatus: 'identified' as const,
  updateStatusFrom: null,
  updateBody: `body ${id}`,
  updateBodyCy: null,
  updatePublishedAt: at(h),
  updateNextUpdateBy: at(h + 1),
  updateCorrectsId: null,
  ...more,
});

describe('foldPublished', () => {
  it('groups rows by incident, folds corrections into their original, keeps the latest promise', () => {
    const rows: PublishedRow[] = [
      { ...incident('i1'), ...update('u1', 1, { updateIncidentStatus: 'monitoring' }) },
      {
        ...incident('i1'),
        ...update('u2', 2, { updateIncidentStatus: 'investigating', updateStatusFrom: 'monitoring' }),
      },
      { ...incident('i1'), ...update('c1', 3, { updateCorrectsId: 'u1', updateNextUpdateBy: null }) },
      { ...incident('i2', 'resolved'), ...update('u3', 4, { updateIncidentStatus: 'resolved' }) },
    ];
    const [one, two] = foldPublished(rows);
    expect(one).toMatchObject({ id: 'i1', title: 'T i1', nextUpdateBy: at(3), lastPublishedAt: at(3) });
    expect(one.updates.map((u) => [u.id, u.statusBackFrom, u.corrections.map((c) => c.id)])).toEqual([
      ['u1', null, ['c1']],
      ['u2', 'monitoring', []],
    ]);
    // a resolved incident promises nothing more
    expect(two).toMatchObject({ id: 'i2', nextUpdateBy: null, lastPublishedAt: at(4) });
  });

  it('ranks statuses: only a move to an earlier one is a move back', () => {
    expect(isStatusBack('monitoring', 'investigating')).toBe(true);
    expect(isStatusBack('investigating', 'monitoring')).toBe(false);
    expect(isStatusBack('resolved', 'resolved')).toBe(false);
  });
});
