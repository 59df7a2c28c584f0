// Hand-written test messages (not copies of corpus files): small builders for each format.

export const VERP = 'news-bounces+ann=example.org@lists.example.test';

export function mail(headers: Record<string, string>, body: string): Buffer {
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  return Buffer.from(`${head}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}`, 'utf8');
}

export const ORIGINAL_HEADERS = [
  'From: News <news@lists.example.test>',
  'To: ann@example.org',
  'Subject: Issue 7',
  'Message-ID: <post-7.ann@lists.example.test>',
  'List-Id: <news.lists.example.test>',
  'X-Listkeeper-Tracking: p7.m12',
].join('\n');

export interface DsnRecipientSpec {
  address: string;
  action: string;
  status: string;
  diagnostic?: string;
}

/** An RFC 3464 multipart/report with one block per recipient. */
export function dsn(opts: {
  subject?: string;
  notice?: string;
  recipients: DsnRecipientSpec[];
  returned?: 'message' | 'headers' | 'none';
}): Buffer {
  const b = 'B0UND4RY-x1';
  const blocks = opts.recipients
    .map((r) =>
      [
        `Final-Recipient: rfc822; ${r.address}`,
        `Original-Recipient: rfc822;${r.address}`,
        `Action: ${r.action}`,
        `Status: ${r.status}`,
        ...(r.diagnostic ? [`Diagnostic-Code: smtp; ${r.diagnostic}`] : []),
      ].join('\n'),
    )
    .join('\n\n');
  const returned =
    opts.returned === 'none'
      ? ''
      : opts.returned === 'headers'
        ? `--${b}\nContent-Type: text/rfc822-headers\n\n${ORIGINAL_HEADERS}\n\n`
        : `--${b}\nContent-Type: message/rfc822\n\n${ORIGINAL_HEADERS}\n\nHello members.\n\n`;
  return mail(
    {
      'Return-Path': '<>',
      From: 'Mail Delivery System <MAILER-DAEMON@mx.example.net>',
      To: VERP,
      'Delivered-To': VERP,
      Subject: opts.subject ?? 'Undelivered Mail Returned to Sender',
      'Message-ID': '<dsn-1@mx.example.net>',
      'Auto-Submitted': 'auto-replied',
      'MIME-Version': '1.0',
      'Content-Type': `multipart/report; report-type=delivery-status; boundary="${b}"`,
    },
    `This is a MIME-encapsulated message.

--${b}
Content-Type: text/plain; charset=us-ascii

${opts.notice ?? 'I could not deliver your message. The mail system'}

--${b}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

${blocks}

${returned}--${b}--
`,
  );
}

/** A plain-text notice (no DSN) from a mail system, with the original quoted inline. */
export function notice(opts: { from?: string; subject: string; body: string; headers?: Record<string, string> }): Buffer {
  return mail(
    {
      From: opts.from ?? 'MAILER-DAEMON@mx.example.net',
      To: VERP,
      Subject: opts.subject,
      'Message-ID': '<n-1@mx.example.net>',
      ...opts.headers,
    },
    opts.body,
  );
}

export function human(headers: Record<string, string>, body: string): Buffer {
  return mail(
    {
      From: 'Carol Writer <carol@example.com>',
      To: 'news@lists.example.test',
      Subject: 'A question about the last issue',
      'Message-ID': '<h-1@example.com>',
      ...headers,
    },
    body,
  );
}
