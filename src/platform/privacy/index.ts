export { toE164, mask, maskEmail, scrubPii, containsPhoneNumber } from './msisdn';
export { Pseudonymiser } from './pseudonymiser';
export { PrivacyModule } from './privacy.module';
