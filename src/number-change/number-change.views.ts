import { mask } from '../platform/privacy';
import { NumberChangeRequest } from './number-change-request.entity';
import { isTerminal } from './number-change-state';
import { slaStatus } from './sla';

/** What the customer sees of their own request. */
export function customerView(r: NumberChangeRequest) {
  return {
    id: r.id,
    state: r.state,
    reason: r.reason,
    newNumber: r.newMsisdn,
    plannedCutoverAt: r.scheduledAt,
    awaitingEmailConfirmation: r.state === 'requested',
    canCancel: !isTerminal(r.state) && !r.cutoverStartedAt,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/** What an agent sees in the queue: numbers masked, fraud signals and the SLA clock. */
export function agentView(r: NumberChangeRequest, now: Date) {
  return {
    id: r.id,
    subscriberId: r.subscriberId,
    state: r.state,
    reason: r.reason,
    oldNumber: mask(r.oldMsisdn),
    newNumber: r.newMsisdn ? mask(r.newMsisdn) : null,
    fraudSignals: r.fraudSignals,
    heldForSupervisor: r.heldForSupervisor,
    sla: slaStatus(r.slaDueAt, now, r.closedAt),
    scheduledAt: r.scheduledAt,
    cutoverInProgress: !!r.cutoverStartedAt,
    provisioningAttempts: r.provisioningAttempts,
    provisioningReference: r.provisioningReference,
    lastError: r.lastError,
    decidedBy: r.decidedBy,
    rejectionReason: r.rejectionReason,
    createdAt: r.createdAt,
    closedAt: r.closedAt,
  };
}
