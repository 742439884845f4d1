import Handlebars from 'handlebars';

/**
 * Root names of every variable a Handlebars template refers to ({{x}}, {{x.y}}, {{#if x}}, helper args),
 * read from its syntax tree, so an unknown variable is caught when the template is loaded, not at send time.
 */
export function templateVariables(source: string): Set<string> {
  const found = new Set<string>();
  const visit = (node: any): void => {
    if (!node || typeof node !== 'object') return;
    if (node.type === 'PathExpression') {
      if (!node.data && node.parts.length > 0 && node.head !== 'this') found.add(node.parts[0]);
      return;
    }
    if (
      node.type === 'MustacheStatement' ||
      node.type === 'BlockStatement' ||
      node.type === 'SubExpression'
    ) {
      // A block helper's own name (if, each, unless, with) is not a variable; its params are.
      const isHelper = (node.params?.length ?? 0) > 0 || node.hash;
      if (!isHelper) visit(node.path);
      for (const p of node.params ?? []) visit(p);
      for (const pair of node.hash?.pairs ?? []) visit(pair.value);
      visit(node.program);
      visit(node.inverse);
      return;
    }
    for (const key of Object.keys(node)) {
      if (key === 'loc') continue;
      const v = node[key];
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object') visit(v);
    }
  };
  visit(Handlebars.parse(source));
  return found;
}

const SENSITIVE =
  /\b(password|passcode|pin|card (?:number|details)|cvv|cvc|security code|bank (?:details|account)|sort code|payment details|pay (?:a|the)? ?fee|cyfrinair|manylion (?:cerdyn|banc|talu))\b/i;
const REASSURANCE = /\b(never|not|won't|will not|don't|do not|nid|byth)\b/i;

/**
 * Sentences that ask for a secret or for payment. A sentence that mentions one only to say we never ask
 * for it ("We will never ask for your password") is the anti-phishing advice and is allowed.
 */
export function asksForSecrets(text: string): string[] {
  return text.split(/(?<=[.!?])\s+|\n+/).filter((s) => SENSITIVE.test(s) && !REASSURANCE.test(s));
}
