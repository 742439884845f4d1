/**
 * A breach notice's paragraphs as comms write them, complete (every Regulation 611/2013 Annex II item), for
 * tests that need an approvable breach-notice campaign. Links and the operator's details are Candor's.
 */
export const NOTICE_VARS: Record<string, string> = {
  incidentTitle: 'Numbers shared',
  whatHappened: 'A fault in our web gateway added your mobile number to requests sent to websites.',
  whenItHappened: 'From 17 to 24 November 2025.',
  dataConcerned: 'Your mobile number only.',
  likelyConsequences: 'Websites could see your number; you may get unwanted calls.',
  otherCircumstances: 'No sign of misuse so far.',
  measuresTaken: 'We fixed the gateway and asked the websites to delete the numbers.',
  measuresRecommended: 'Be wary of unexpected calls or texts.',
  contactDetails: 'Call us free on',
};

/** An offer notice's words (offersUrl is Candor's). */
export const OFFER_WORDS = { apology: 'We are sorry we shared your number.' };

/** Every variable of a one-off breach-notice message (what a campaign's would be after Candor filled them in). */
export function oneOffNoticeVars(base: string, firstName: string): Record<string, string> {
  return {
    firstName,
    ...NOTICE_VARS,
    incidentUrl: `${base}/status`,
    accountUrl: `${base}/account`,
    operatorName: 'Candor Mobile',
    contactPoint: '0800 123 4567',
  };
}
