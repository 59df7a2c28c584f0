// Table tests for one format file: each row is a notice written after the format's documented text
// (hand-written, not a copy of any sample) and what the classifier must read from it.
import { expect, test } from 'vitest';
import { classify } from '../../../../src/bounce/classify.js';
import type { Category, MessageKind, Reason } from '../../../../src/bounce/types.js';
import { mail, VERP } from '../messages.js';

export interface Row {
  name: string;
  message: Buffer;
  kind: MessageKind;
  /** [address, reason, category]; the reason may be null when only the category is the point. */
  recipients: ReadonlyArray<readonly [string, Reason | null, Category]>;
  /** Expected detector, when it is not the format under test (a row that another format must take). */
  detector?: string;
}

export function formatTable(format: string, rows: readonly Row[]): void {
  test.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const c = classify(row.message);
    expect(c.detector).toBe(row.detector ?? format);
    expect(c.kind).toBe(row.kind);
    const got = c.recipients.map((r) => [r.address, row.recipients.find((e) => e[0] === r.address)?.[1] === null ? null : r.reason, r.category]);
    expect(got).toEqual(row.recipients.map((r) => [...r]));
  });
}

/** A plain-text notice from a mail system. */
export function textNotice(opts: { from?: string; subject: string; body: string; headers?: Record<string, string> }): Buffer {
  return mail(
    { From: opts.from ?? 'Mail Delivery System <MAILER-DAEMON@mx.example.net>', To: VERP, Subject: opts.subject, 'Message-ID': '<n-1@mx.example.net>', ...opts.headers },
    opts.body,
  );
}

/** A multipart/report: the notice text, the delivery-status fields, and the returned headers. */
export function reportNotice(opts: { from?: string; subject: string; text: string; status: string; headers?: Record<string, string> }): Buffer {
  const b = 'R3P0RT-b';
  return mail(
    {
      From: opts.from ?? 'Mail Delivery System <MAILER-DAEMON@mx.example.net>',
      To: VERP,
      Subject: opts.subject,
      'Message-ID': '<r-1@mx.example.net>',
      'MIME-Version': '1.0',
      'Content-Type': `multipart/report; report-type=delivery-status; boundary="${b}"`,
      ...opts.headers,
    },
    `--${b}
Content-Type: text/plain; charset=us-ascii

${opts.text}

--${b}
Content-Type: message/delivery-status

${opts.status}

--${b}
Content-Type: text/rfc822-headers

From: News <news@lists.example.test>
To: ann@example.org
Subject: Issue 7
Message-ID: <post-7.ann@lists.example.test>

--${b}--
`,
  );
}
