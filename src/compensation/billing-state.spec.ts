import { deliveryMachine, DeliveryStatus } from './billing-state';

describe('billing delivery transitions', () => {
  it('a pending delivery is delivered or given up on; only a dead one is retried', () => {
    expect(deliveryMachine.next('pending', 'deliver')).toBe('delivered');
    expect(deliveryMachine.next('pending', 'give_up')).toBe('dead');
    expect(deliveryMachine.next('dead', 'retry')).toBe('pending');
    expect(deliveryMachine.from('retry')).toEqual(['dead']);
  });

  it('a delivered row never moves again, and a pending one is not retried', () => {
    for (const event of deliveryMachine.events) expect(deliveryMachine.next('delivered', event)).toBeNull();
    expect(deliveryMachine.next('pending', 'retry')).toBeNull();
    for (const event of ['deliver', 'give_up'] as const)
      expect(deliveryMachine.next('dead' as DeliveryStatus, event)).toBeNull();
  });
});
