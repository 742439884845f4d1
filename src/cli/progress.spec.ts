import { progressLine } from './progress';

describe('progressLine', () => {
  it('shows the bar, bytes, line rate and time left', () => {
    expect(progressLine(50e6, 200e6, 2_000_000, 1000, 8)).toBe(
      '[##......]  25%  50.0 MB/200.0 MB  2.00M lines/s  ETA 3s',
    );
  });
  it('is complete and sane for empty input', () => {
    expect(progressLine(0, 0, 0, 0, 4)).toBe('[####] 100%  0.0 MB/0.0 MB  0 lines/s  ETA 0s');
  });
});
