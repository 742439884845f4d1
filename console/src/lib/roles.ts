/** Staff roles in words for people; the values sent to the API stay the raw role names. */
export const ROLE_LABELS = {
  comms: 'Comms',
  support: 'Support agent',
  supervisor: 'Supervisor',
  admin: 'Admin',
} as const;

export type RoleName = keyof typeof ROLE_LABELS;

/** A role's words; an unknown role (a newer server) is shown as it is rather than hidden. */
export function roleLabel(role: string): string {
  return (ROLE_LABELS as Record<string, string>)[role] ?? role;
}

/** Options for a Select or MultiSelect: the value is the role, the label its words. */
export function roleOptions(roles: readonly string[]): Array<{ value: string; label: string }> {
  return roles.map((r) => ({ value: r, label: roleLabel(r) }));
}

interface AuditActor {
  actorType?: string | null;
  actorRole?: string | null;
  actorName?: string | null;
}

/**
 * "Who" in the audit log: the person (name and role) for staff, never a customer's number.
 * A staff row whose user is gone shows the role alone.
 */
export function auditWho(e: AuditActor): string {
  switch (e.actorType) {
    case 'system':
      return 'System';
    case 'customer':
      return 'Customer';
    case 'anonymous':
      return 'Anonymous';
    case 'staff': {
      const role = e.actorRole ? roleLabel(e.actorRole) : null;
      if (e.actorName) return role ? `${e.actorName} (${role})` : e.actorName;
      return role ? `Staff (${role})` : 'Staff';
    }
    default:
      return e.actorType ?? '';
  }
}
