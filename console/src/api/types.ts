/**
 * Shapes of answers whose routes do not yet declare a response schema in the OpenAPI document (the
 * incidents, campaigns and number-change modules return their entities). Kept to the fields the console reads.
 */
export interface IncidentUpdate {
  id: string;
  incidentId: string;
  status: 'draft' | 'returned' | 'approved' | 'scheduled' | 'published' | 'discarded';
  incidentStatus: string;
  body: string;
  bodyCy: string | null;
  correctsId: string | null;
  nextUpdateBy: string | null;
  scheduledFor: string | null;
  createdBy: string;
  createdAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  publishedAt: string | null;
  /** Set while `returned`: what the approver asked the author to change. */
  returnedComment: string | null;
  returnedAt: string | null;
}

export interface RegulatorClock {
  kind: string;
  label?: string;
  deadline: string;
  state: 'running' | 'overdue' | 'done' | 'done_late';
  notifiedAt?: string | null;
}

export interface Incident {
  id: string;
  title: string;
  titleCy: string | null;
  summary: string | null;
  impact: string;
  status: string;
  detectedAt: string;
  affectedServices: string[];
  approverRoles: string[];
  createdAt: string;
  resolvedAt: string | null;
}

export interface IncidentDetail extends Incident {
  nextUpdateBy: string | null;
  regulatorClocks: RegulatorClock[];
  updates: IncidentUpdate[];
}

export interface UpdateTemplate {
  key: string;
  incidentStatus: string;
  body: string;
  bodyCy: string;
}

export interface Preview {
  text?: string;
  encoding?: string;
  segments?: number;
  violations?: string[];
}

export interface NumberChangeRequest {
  id: string;
  subscriberId: string;
  state: string;
  heldForSupervisor: boolean;
  fraudSignals: Array<{ code: string; detail: string }>;
  /** The SLA at the server's clock (the queue answers `sla`, not `slaDueAt`). */
  sla: { dueAt: string; remainingSeconds: number; breached: boolean } | null;
  createdAt: string;
}

export interface Campaign {
  id: string;
  name: string;
  kind: string;
  status: string;
  channelPolicy: string;
  createdBy: string;
  createdAt: string;
  /** Set while a draft is sent back to its author. */
  returnedComment: string | null;
  returnedAt: string | null;
}
