export { toE164, mask, maskEmail, scrubPii, containsPhoneNumber } from './msisdn';
export { Pseudonymiser } from './pseudonymiser';
export { compileMobileMatcher } from './mobile-number';
export type { MobileMatcher, MobilePlan } from './mobile-number';
export { mobilePlan } from './mobile-number';
export { PrivacyModule } from './privacy.module';
