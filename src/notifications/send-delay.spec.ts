import { SendDelay } from './send-delay';

describe('SendDelay', () => {
  it('reports 0 until it has enough sends, then the mean from admission to answer', () => {
    const d = new SendDelay(512, 32, 500_000);
    expect(d.meanUs()).toBe(0);
    for (let i = 0; i < 31; i++) d.record(i % 2 ? 10 : 30);
    expect(d.meanUs()).toBe(0); // 31 sends: too few to judge
    d.record(10);
    expect(d.meanUs()).toBe(20_000);
  });

  it('counts a stall by its share of the sends: one in fifty at 400 ms adds 8 ms to a 12 ms mean', () => {
    const d = new SendDelay(500, 32, 500_000);
    for (let i = 0; i < 500; i++) d.record(i % 50 === 0 ? 412 : 12);
    expect(d.meanUs()).toBe(20_000);
  });

  it('follows the recent sends (a slow spell is forgotten once the window has turned over), up to its ceiling', () => {
    const d = new SendDelay(64, 32, 500_000);
    for (let i = 0; i < 64; i++) d.record(3000);
    expect(d.meanUs()).toBe(500_000);
    for (let i = 0; i < 64; i++) d.record(300);
    expect(d.meanUs()).toBe(300_000);
    for (let i = 0; i < 64; i++) d.record(5);
    expect(d.meanUs()).toBe(5_000);
  });
});
