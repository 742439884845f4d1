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
} satisfies Record<string, MessageKind>;
