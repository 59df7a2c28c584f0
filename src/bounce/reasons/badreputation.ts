// The sending host's reputation is too low (Gmail "very low reputation of the sending IP address",
// Microsoft "rate limited due to IP reputation" and Outlook.com codes RP-001..003, SC-001, OU-002,
// Yahoo "temporarily deferred due to unexpected volume or user complaints", T-Online "none/bad reputation").
import type { ReasonRule } from './types.js';

export const badreputation: ReasonRule = {
  reason: 'badreputation',
  category: 'blocked',
  phrases: [
    'reputation',
    'unexpected volume or user complaints',
  ],
  // Outlook.com postmaster codes for reputation limits and refusals.
  exact: [/\b(rp-00[123]|sc-001|ou-002)\b/],
};
