import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AppConfig } from '../platform/config';
import { InvalidInput, NotFound, Unprocessable } from '../platform/http/domain-error';
import { Locale, LOCALES } from '../platform/locales';
import { describeFinding, PublicTextGuard } from '../platform/privacy';
import { CampaignIncidentPort } from './campaign-incident.port';
import { MESSAGE_KINDS, MessageKind } from './message-kinds';
import {
  annexIIChecklist,
  AnnexIIChecklist,
  filledValues,
  isFilled,
  marketingPhrases,
  welshMissing,
  writtenVars,
} from './notice-composition';
import { TemplateRegistry } from './templates/template-registry';

/** What comms wrote for a campaign, in English and Welsh, and the incident it belongs to. */
export interface NoticeDraft {
  kind: string;
  incidentId: string | null;
  vars: Record<string, string>;
  varsCy: Record<string, string>;
}

/** How a draft renders and what it still lacks (the preview's `notice`). */
export interface NoticeReview {
  rendered: Array<{ channel: string; locale: Locale; subject?: string; text: string; segments?: number }>;
  /** Paragraphs comms have not written yet (in English): approval waits for them. */
  missingParagraphs: string[];
  /** Written variables with no Welsh text of their own: Welsh recipients read the English (a warning). */
  welshMissing: string[];
  /** Regulation 611/2013 Annex II, for a personal-data breach notice; null for other kinds. */
  annexII: AnnexIIChecklist | null;
}

/**
 * Composes notices: the approved frame (the kind's templates) with what comms wrote per campaign, in English
 * and Welsh, and the links and operator details Candor fills in (never typed). Checks what comms write as
 * they save (links, the privacy check, no marketing, segments of every rendering), and tells approval what
 * is missing (paragraphs, Annex II items) and what only warns (Welsh text).
 */
@Injectable()
export class NoticeComposer {
  private incidentPort?: CampaignIncidentPort | null;

  constructor(
    private readonly templates: TemplateRegistry,
    private readonly guard: PublicTextGuard,
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  kind(name: string): MessageKind {
    const kind = MESSAGE_KINDS[name];
    if (!kind?.campaign) throw new InvalidInput(`"${name}" is not a campaign message kind`);
    return kind;
  }

  /** Refuses what comms may not write; returns the values to store, with Candor's filled in per language. */
  async prepare(
    draft: NoticeDraft,
  ): Promise<{ vars: Record<string, string>; varsCy: Record<string, string> }> {
    const kind = this.kind(draft.kind);
    if (draft.incidentId) await this.assertIncident(draft.incidentId);
    const written = writtenVars(kind);
    const paragraphs = new Set(kind.paragraphs ?? []);
    const notText = [...Object.entries(draft.vars), ...Object.entries(draft.varsCy)].filter(
      ([, x]) => typeof x !== 'string',
    );
    if (notText.length) throw new InvalidInput(`values must be text: ${notText.map(([k]) => k).join(', ')}`);
    const vars = stripFilled(draft.vars);
    // An empty Welsh value is no Welsh value (the English is used, with a warning).
    const varsCy = Object.fromEntries(Object.entries(stripFilled(draft.varsCy)).filter(([, x]) => x.trim()));
    const problems: Array<{ field: string; messages: string[] }> = [];
    const typedLinks = [...Object.keys(draft.vars), ...Object.keys(draft.varsCy)].filter(isFilled);
    if (typedLinks.length)
      problems.push({
        field: 'vars',
        messages: [`filled in by Candor, never typed: ${[...new Set(typedLinks)].join(', ')}`],
      });
    const missing = written.filter((v) => !paragraphs.has(v) && !(v in vars));
    const unknown = Object.keys(vars).filter((v) => !written.includes(v) && v !== 'firstName');
    const unknownCy = Object.keys(varsCy).filter((v) => !written.includes(v));
    if (missing.length) problems.push({ field: 'vars', messages: [`missing: ${missing.join(', ')}`] });
    if (unknown.length) problems.push({ field: 'vars', messages: [`unknown: ${unknown.join(', ')}`] });
    if (unknownCy.length) problems.push({ field: 'varsCy', messages: [`unknown: ${unknownCy.join(', ')}`] });
    if (problems.length) throw new InvalidInput('Campaign variables do not match the template', problems);
    if (vars.firstName !== undefined)
      throw new InvalidInput('firstName is the recipient’s own name; leave it out');
    const linkIssues = this.templates
      .varIssues({ ...byField(vars, 'vars'), ...byField(varsCy, 'varsCy') })
      .map((i) => i.replace(/^vars\.(vars|varsCy)\./, '$1.'));
    if (linkIssues.length) throw new InvalidInput(linkIssues.join('; '));
    this.assertPublicText(vars, varsCy);
    const stored = this.withFilled(kind, draft.incidentId, vars, varsCy);
    // Every rendering in every language must pass the content rules with these values (segments, links, secrets).
    for (const locale of LOCALES)
      for (const channel of kind.channels) {
        const r = this.templates.render(draft.kind, locale, channel, this.sample(draft.kind, stored, locale));
        const issues = this.templates.contentIssues(r);
        if (issues.length) throw new InvalidInput(`${channel}/${locale}: ${issues.join('; ')}`);
      }
    return stored;
  }

  /** The renderings, what is missing and the Annex II checklist of a stored campaign. */
  review(draft: NoticeDraft): NoticeReview {
    const kind = this.kind(draft.kind);
    const rendered: NoticeReview['rendered'] = [];
    for (const locale of LOCALES)
      for (const channel of kind.channels) {
        const r = this.templates.render(draft.kind, locale, channel, this.sample(draft.kind, draft, locale));
        rendered.push({ channel, locale, subject: r.subject, text: r.text, segments: r.sms?.segments });
      }
    return {
      rendered,
      missingParagraphs: (kind.paragraphs ?? []).filter((p) => !draft.vars[p]?.trim()),
      welshMissing: welshMissing(kind, draft.vars, draft.varsCy),
      annexII: kind.annexII ? annexIIChecklist({ en: draft.vars, cy: draft.varsCy }) : null,
    };
  }

  /** Refuses approval while a paragraph or an Annex II item is missing; returns the warnings approval gives. */
  assertApprovable(draft: NoticeDraft): string[] {
    const review = this.review(draft);
    const problems: Array<{ field: string; messages: string[] }> = [];
    if (review.annexII && !review.annexII.complete)
      problems.push({
        field: 'annexII',
        messages: review.annexII.missing.map((m) => `missing: ${m}`),
      });
    if (review.missingParagraphs.length)
      problems.push({
        field: 'vars',
        messages: [`paragraphs not written: ${review.missingParagraphs.join(', ')}`],
      });
    if (problems.length)
      throw new Unprocessable(
        review.annexII && !review.annexII.complete
          ? `A personal-data breach notice needs every item of Regulation 611/2013 Annex II before approval; missing: ${review.annexII.missing.join('; ')}`
          : `Write every paragraph before approval: ${review.missingParagraphs.join(', ')}`,
        problems,
      );
    return review.welshMissing.length
      ? [`No Welsh text for: ${review.welshMissing.join(', ')}; Welsh recipients will read the English.`]
      : [];
  }

  /** The sample name plus the stored values of `locale` (Welsh over English), paragraphs never written empty. */
  private sample(
    kind: string,
    stored: { vars: Record<string, string>; varsCy: Record<string, string> },
    locale: Locale,
  ) {
    const values = locale === 'cy' ? { ...stored.vars, ...stored.varsCy } : stored.vars;
    return this.templates.sampleVars(kind, values);
  }

  private withFilled(
    kind: MessageKind,
    incidentId: string | null,
    vars: Record<string, string>,
    varsCy: Record<string, string>,
  ) {
    const operator = { name: this.config.comms.operatorName, contactPoint: this.config.comms.contactPoint };
    const base = this.config.http.publicBaseUrl;
    const ownFilled = (locale: Locale) =>
      Object.fromEntries(
        Object.entries(filledValues(base, incidentId, locale, operator)).filter(([k]) => k in kind.vars),
      );
    const blanks = Object.fromEntries((kind.paragraphs ?? []).map((p) => [p, '']));
    return { vars: { ...blanks, ...vars, ...ownFilled('en') }, varsCy: { ...varsCy, ...ownFilled('cy') } };
  }

  /** The privacy check (numbers, emails, account ids, links; the operator's own contacts pass) and no marketing. */
  private assertPublicText(vars: Record<string, string>, varsCy: Record<string, string>): void {
    const named = { ...byField(vars, 'vars'), ...byField(varsCy, 'varsCy') };
    const findings = this.guard.check(named);
    const selling = Object.entries(named).flatMap(([field, text]) =>
      marketingPhrases(text).map((p) => ({
        field,
        message: `reads like marketing ("${p}"); notices are service messages`,
      })),
    );
    if (!findings.length && !selling.length) return;
    const perField = new Map<string, string[]>();
    for (const f of findings) perField.set(f.field, [...(perField.get(f.field) ?? []), describeFinding(f)]);
    for (const s of selling) perField.set(s.field, [...(perField.get(s.field) ?? []), s.message]);
    throw new Unprocessable(
      `Refused: what customers read must not contain personal data, unofficial links or marketing (${[...perField.keys()].join(', ')})`,
      [...perField].map(([field, messages]) => ({ field, messages })),
    );
  }

  private async assertIncident(id: string): Promise<void> {
    if (this.incidentPort === undefined) {
      try {
        this.incidentPort = this.moduleRef.get(CampaignIncidentPort, { strict: false });
      } catch {
        this.incidentPort = null; // a context without the incidents module
      }
    }
    if (this.incidentPort && !(await this.incidentPort.find(id))) throw new NotFound('incident not found');
  }
}

/** Drops Candor's filled names (the caller reports them). */
function stripFilled(v: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(v ?? {}).filter(([k]) => !isFilled(k)));
}

/** Values keyed by the field the author sees (`vars.whatHappened`, `varsCy.whatHappened`). */
function byField(v: Record<string, string>, field: string): Record<string, string> {
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [`${field}.${k}`, x]));
}
