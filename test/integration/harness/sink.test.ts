import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { describe, expect, test } from 'vitest';
import { SINK_DOMAINS, sinkUrl, startSink, waitForSinkMessage } from '../../helpers/mail.js';

const tag = (): string => randomBytes(4).toString('hex');

describe('the SMTP sink', () => {
  test('the shared sink accepts ok.example.test, answers 452 for defer and 550 for reject, and records what it got', async () => {
    const tx = nodemailer.createTransport({ url: sinkUrl(), ignoreTLS: true });
    const ok = `a-${tag()}@${SINK_DOMAINS.ok}`;
    const full = `full-${tag()}@${SINK_DOMAINS.defer}`;
    const gone = `gone-${tag()}@${SINK_DOMAINS.reject}`;
    try {
      const info = await tx.sendMail({
        envelope: { from: 'list-bounces@lists.example.test', to: [ok, full, gone] },
        from: 'list@lists.example.test',
        to: ok,
        subject: 'sink test',
        text: 'hi',
      });
      expect(info.accepted).toEqual([ok]);
      expect(info.rejected).toEqual([full, gone]);
      const codes = (info.rejectedErrors ?? []).map((e) => (e as Error & { responseCode?: number }).responseCode);
      expect(codes).toEqual([452, 550]);
      const got = await waitForSinkMessage((m) => m.rcptTo.includes(ok));
      expect(got.rcptTo).toEqual([ok]);
      expect(got.mailFrom).toBe('list-bounces@lists.example.test');
      expect(got.raw.toString()).toContain('Subject: sink test');

      // All recipients refused: nodemailer throws with the RCPT reply.
      await expect(
        tx.sendMail({ envelope: { from: 'x@lists.example.test', to: [gone] }, text: 'x' }),
      ).rejects.toMatchObject({ code: 'EENVELOPE', responseCode: 550 });
    } finally {
      tx.close();
    }
  });

  test('a per-test sink can defer a recipient once and accept the retry', async () => {
    const sink = await startSink({ decide: (_addr, ctx) => (ctx.attempt === 1 ? 'defer' : 'accept') });
    const tx = nodemailer.createTransport({ url: sink.url, ignoreTLS: true });
    try {
      const to = 'bob@example.org';
      await expect(tx.sendMail({ envelope: { from: 'a@lists.example.test', to: [to] }, text: 'x' })).rejects.toMatchObject({
        responseCode: 452,
      });
      await tx.sendMail({ envelope: { from: 'a@lists.example.test', to: [to] }, text: 'second' });
      const got = await sink.waitFor((m) => m.rcptTo.includes(to));
      expect(got.raw.toString()).toContain('second');
      expect(sink.rcptLog.map((r) => [r.attempt, r.code])).toEqual([
        [1, 452],
        [2, 250],
      ]);
      expect(sink.messages).toHaveLength(1);
    } finally {
      tx.close();
      await sink.close();
    }
  });

  test('a per-test sink can answer any code', async () => {
    const sink = await startSink({ decide: () => ({ code: 554, message: '5.7.1 Blocked by policy' }) });
    const tx = nodemailer.createTransport({ url: sink.url, ignoreTLS: true });
    try {
      await expect(tx.sendMail({ envelope: { from: 'a@x.test', to: ['c@example.org'] }, text: 'x' })).rejects.toMatchObject({
        responseCode: 554,
        response: expect.stringContaining('Blocked by policy'),
      });
    } finally {
      tx.close();
      await sink.close();
    }
  });
});

describe('the scripted sink (real-MTA fixtures)', () => {
  test('it answers multi-line replies at RCPT and after DATA, on the address it is told', async () => {
    const sink = await startSink({
      host: '127.0.0.5',
      decide: (address) =>
        address.startsWith('gone') ? { code: 550, message: ['5.1.1 The account does not exist. Please', '5.1.1 check the address.'] } : 'accept',
      decideData: ({ rcptTo }) => (rcptTo.some((a) => a.startsWith('big')) ? { code: 552, message: '5.3.4 Message too big' } : 'accept'),
    });
    const tx = nodemailer.createTransport({ host: '127.0.0.5', port: sink.port, ignoreTLS: true });
    try {
      expect(sink.host).toBe('127.0.0.5');
      await expect(tx.sendMail({ envelope: { from: 'a@x.test', to: ['gone@example.org'] }, text: 'x' })).rejects.toMatchObject({
        responseCode: 550,
        response: expect.stringMatching(/550-5\.1\.1 The account does not exist\. Please[\s\S]*550 5\.1\.1 check the address\./),
      });
      await expect(tx.sendMail({ envelope: { from: 'a@x.test', to: ['big@example.org'] }, text: 'x' })).rejects.toMatchObject({
        responseCode: 552,
      });
      expect(sink.messages).toHaveLength(0);
    } finally {
      tx.close();
      await sink.close();
    }
  });

  test('it refuses connections, or MAIL FROM unless STARTTLS was done', async () => {
    const closed = await startSink({ refuseConnection: { code: 554, message: ['No SMTP service', 'IP address is block listed.'] } });
    const tls = await startSink({ starttls: true, decideMail: (_from, ctx) => (ctx.secure ? 'accept' : { code: 530, message: '5.7.0 Must issue a STARTTLS command first.' }) });
    try {
      const refused = nodemailer.createTransport({ host: closed.host, port: closed.port, ignoreTLS: true });
      await expect(refused.sendMail({ envelope: { from: 'a@x.test', to: ['b@example.org'] }, text: 'x' })).rejects.toMatchObject({
        response: expect.stringContaining('IP address is block listed.'),
      });
      const plain = nodemailer.createTransport({ host: tls.host, port: tls.port, ignoreTLS: true });
      await expect(plain.sendMail({ envelope: { from: 'a@x.test', to: ['b@example.org'] }, text: 'x' })).rejects.toMatchObject({ responseCode: 530 });
      const secure = nodemailer.createTransport({ host: tls.host, port: tls.port, requireTLS: true, tls: { rejectUnauthorized: false } });
      await secure.sendMail({ envelope: { from: 'a@x.test', to: ['b@example.org'] }, text: 'x' });
      expect(tls.messages).toHaveLength(1);
    } finally {
      await closed.close();
      await tls.close();
    }
  });
});
