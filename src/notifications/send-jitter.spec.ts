import { SendJitter } from './send-jitter';

describe('SendJitter', () => {
  it('allows the floor until it has enough sends, then p99 of answers minus p1 of call starts', () => {
    const j = new SendJitter(512, 32, 10_000, 500_000);
    expect(j.allowanceUs()).toBe(10_000);
    for (let i = 0; i < 31; i++) j.record(5, 200);
    expect(j.allowanceUs()).toBe(10_000); // 31 sends: too few to judge
    j.record(5, 200);
    expect(j.allowanceUs()).toBe(195_000);
  });

  it('never allows less than the floor nor more than the ceiling', () => {
    const quiet = new SendJitter(512, 32, 10_000, 500_000);
    for (let i = 0; i < 64; i++) quiet.record(2, 4);
    expect(quiet.allowanceUs()).toBe(10_000);
    const stalled = new SendJitter(512, 32, 10_000, 500_000);
    for (let i = 0; i < 64; i++) stalled.record(1, 3000);
    expect(stalled.allowanceUs()).toBe(500_000);
  });

  it('follows the recent sends: a slow spell is forgotten once the window has turned over', () => {
    const j = new SendJitter(64, 32, 10_000, 500_000);
    for (let i = 0; i < 64; i++) j.record(10, 310);
    expect(j.allowanceUs()).toBe(300_000);
    for (let i = 0; i < 64; i++) j.record(10, 30);
    expect(j.allowanceUs()).toBe(20_000);
  });

  it('counts the tail, not the median: one send in fifty that stalls 400 ms widens the allowance', () => {
    const j = new SendJitter(512, 32, 10_000, 500_000);
    for (let i = 0; i < 500; i++) j.record(3, i % 50 === 0 ? 403 : 13);
    expect(j.allowanceUs()).toBe(400_000);
  });
});
