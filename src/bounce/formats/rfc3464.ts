// RFC 3464 delivery status notifications from any system without a format of its own: the
// message/delivery-status part (or its fields written in a text part) names each recipient with its
// Action, Status and Diagnostic-Code. Failed → bounce; all delayed → delay; delivered/relayed only →
// a success report.

import { fromReport } from './kit.js';
import type { Format } from './types.js';

export const rfc3464: Format = {
  name: 'rfc3464',
  detect: (mail) => mail.reports.length > 0,
  parse: (mail) => fromReport(mail),
};
