import { stateMachine } from './state-machine';

type Light = 'off' | 'on' | 'broken';
const light = stateMachine<Light, 'press' | 'smash'>({
  press: { from: ['off', 'on'], to: 'on' },
  smash: { from: ['off', 'on'], to: 'broken' },
});

describe('stateMachine', () => {
  it('leads an allowed event to its state, from every state it lists', () => {
    expect(light.next('off', 'press')).toBe('on');
    expect(light.next('on', 'press')).toBe('on');
    expect(light.next('on', 'smash')).toBe('broken');
  });

  it('answers null for an event not allowed from the state', () => {
    expect(light.next('broken', 'press')).toBeNull();
    expect(light.next('broken', 'smash')).toBeNull();
  });

  it('lists the states an event may start from, and its events', () => {
    expect(light.from('smash')).toEqual(['off', 'on']);
    expect(light.events).toEqual(['press', 'smash']);
  });

  it('explains a refusal with the states that would have allowed it', () => {
    expect(light.refusal('lamp', 'broken', 'press')).toBe(
      'cannot press a lamp that is broken (only from: off, on)',
    );
  });
});
