// RFC 3464 delivery status fields: per-message block, then one block per recipient.

import { normalizeAddress, addressesIn } from './address.js';

export interface DsnRecipient {
  finalRecipient: string | null;
  originalRecipient: string | null;
  action: string | null;
  status: string | null;
  remoteMta: string | null;
  diagnostic: string | null;
  /** The Diagnostic-Code type (RFC 3464 §2.3.6), lower-cased: "smtp", "x-unix", … */
  diagnosticType: string | null;
}

export interface DsnReport {
  reportingMta: string | null;
  recipients: DsnRecipient[];
}

const MAX_RECIPIENTS = 500;

/** Unfolded "Name: value" fields of a DSN body, in order. */
function fields(text: string): Array<[string, string] | null> {
  const out: Array<[string, string] | null> = [];
  const lines = text.split('\n', 20_000);
  let last: [string, string] | null = null;
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (line === '') {
      out.push(null); // block separator
      last = null;
      continue;
    }
    if ((line[0] === ' ' || line[0] === '\t') && last) {
      if (last[1].length < 4000) last[1] += ' ' + line.trim();
      continue;
    }
    const m = /^([A-Za-z][A-Za-z0-9-]{0,60})\s*:\s?(.*)$/.exec(line);
    if (m) {
      last = [m[1].toLowerCase(), m[2].trim()];
      out.push(last);
    } else {
      last = null;
    }
  }
  return out;
}

function typedValue(v: string): string {
  const semi = v.indexOf(';');
  return (semi >= 0 && semi < 20 ? v.slice(semi + 1) : v).trim();
}

export function recipientAddress(v: string | null): string | null {
  if (!v) return null;
  const t = typedValue(v).replace(/^<|>$/g, '');
  const n = normalizeAddress(t);
  if (n) return n;
  return addressesIn(v, 1)[0] ?? null;
}

/** Parses a message/delivery-status body (or DSN-looking text). Never throws. */
export function parseDsn(text: string): DsnReport {
  const report: DsnReport = { reportingMta: null, recipients: [] };
  let cur: DsnRecipient | null = null;
  const flush = () => {
    if (cur && (cur.finalRecipient || cur.originalRecipient || cur.action || cur.status)) {
      if (report.recipients.length < MAX_RECIPIENTS) report.recipients.push(cur);
    }
    cur = null;
  };
  const fresh = (): DsnRecipient => ({
    finalRecipient: null,
    originalRecipient: null,
    action: null,
    status: null,
    remoteMta: null,
    diagnostic: null,
    diagnosticType: null,
  });
  for (const f of fields(text)) {
    if (f === null) {
      flush();
      continue;
    }
    const [name, value] = f;
    switch (name) {
      case 'reporting-mta':
        if (!report.reportingMta) report.reportingMta = typedValue(value);
        break;
      case 'final-recipient':
      case 'original-recipient': {
        // Some MTAs omit the blank line between recipients: a second recipient field starts a new block.
        const key = name === 'final-recipient' ? 'finalRecipient' : 'originalRecipient';
        if (cur && cur[key]) flush();
        if (!cur) cur = fresh();
        cur[key] = value;
        break;
      }
      case 'action':
        if (!cur) cur = fresh();
        if (!cur.action) cur.action = value.toLowerCase().split(/[\s(;]/)[0] ?? null;
        break;
      case 'status':
        if (!cur) cur = fresh();
        if (!cur.status) cur.status = value;
        break;
      case 'remote-mta':
        if (cur) cur.remoteMta = typedValue(value);
        break;
      case 'diagnostic-code':
        if (cur) {
          cur.diagnostic = typedValue(value);
          const semi = value.indexOf(';');
          cur.diagnosticType = semi > 0 && semi < 20 ? value.slice(0, semi).trim().toLowerCase() : null;
        }
        break;
      case 'x-remote-diagnostic':
      case 'x-diagnostic':
        if (cur && !cur.diagnostic) cur.diagnostic = typedValue(value);
        break;
      default:
        break;
    }
  }
  flush();
  return report;
}

/** True when a plain text looks like it carries DSN fields (some MTAs put them in text/plain). */
export function looksLikeDsnText(text: string): boolean {
  return /^(final-recipient|original-recipient)\s*:/im.test(text) && /^(action|status)\s*:/im.test(text);
}
