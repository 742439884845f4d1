import type { MessageKind } from '../notifications/message-kinds';

/** The message kinds the approvals inbox sends, declared in approvals.module.ts (templates in templates/). */
export const APPROVAL_KINDS = {
  /** Something has waited longer than APPROVAL_REMINDER_MINUTES for a decision this person may take. */
  'approval-waiting': {
    vars: {
      what: 'Credit of £250.00',
      waitingMinutes: '45',
      consoleUrl: '{base}/console/approvals',
    },
    channels: ['sms', 'email'],
  },
  /** A decider sent the person's work back with a comment, or rejected it with a reason: to its author. */
  'approval-returned': {
    vars: {
      what: 'Update to “Gateway leak”',
      outcome: 'sent back to you',
      comment: 'Please say when the fix is expected.',
      consoleUrl: '{base}/console/incidents/3f1c2b9e-8d7a-4c5b-9e0f-1a2b3c4d5e6f',
    },
    channels: ['email'],
  },
} satisfies Record<string, MessageKind>;
