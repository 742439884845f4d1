import { Injectable, UnprocessableEntityException } from '@nestjs/common';
import { AppConfig } from '../config';
import { LinkPolicy } from './link-rule';
import { describeFinding, describePii, findPii, PiiFinding, PublicTextPolicy } from './pii-guard';

/**
 * The privacy and link check with the configured policy (official contacts and domains), for every module
 * whose text reaches the public or a customer. `check` reports, `assert` refuses with a 422 whose details
 * name each field, so the author sees it when saving.
 */
@Injectable()
export class PublicTextGuard {
  readonly policy: PublicTextPolicy;

  constructor(config: AppConfig) {
    const links: LinkPolicy = { baseUrl: config.http.publicBaseUrl, domains: config.comms.officialDomains };
    this.policy = {
      accountIdPattern: config.incidents.accountIdPattern,
      officialContacts: config.comms.officialContacts,
      links,
    };
  }

  check(fields: Record<string, string | null | undefined>): PiiFinding[] {
    return findPii(fields, this.policy);
  }

  assert(fields: Record<string, string | null | undefined>): void {
    const findings = this.check(fields);
    if (!findings.length) return;
    const fieldsOf = [...new Set(findings.map((f) => f.field))];
    throw new UnprocessableEntityException({
      message: `Refused: text customers read must not contain personal data or unofficial links. ${describePii(findings)}`,
      details: fieldsOf.map((field) => ({
        field,
        messages: findings.filter((f) => f.field === field).map(describeFinding),
      })),
    });
  }
}
