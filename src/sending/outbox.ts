// The file outbox (no SMTP_URL): each message becomes `<dir>/<time>-<tag>-<hex>.eml`, tag = d<delivery id> or
// n<notice id>. Written to a temporary name (mode 0600), synced, then renamed: a finished name always holds a whole
// message, so after a crash "the .eml exists" means "it was sent" and "it does not" means "it was not". The
// temporary name carries the writer's process id and instance, so a start can sweep what dead writers left
// without touching a live writer's file, and the sender's claims carry the same identity (see `claimer`).
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { unsafeAddressReason } from '../members/address.js';
import type { MailTransport, OutgoingMail, SendResult } from './transport.js';
import { processAlive } from '../process-alive.js';

const HOST = os.hostname();
/** Outboxes open in this process (their instance ids): a claim of this process by another id is a dead one. */
const open_ = new Set<string>();

/** What the writer of a claimed row is, seen from this outbox. */
export type WriterState =
  /** A writer of this outbox that is gone: its rows can be settled from the files now. */
  | 'dead'
  | 'alive'
  /** A writer of this outbox on another host (a shared folder): only the lease tells. */
  | 'unknown'
  /** Not a writer of this outbox (SMTP, or another outbox folder). */
  | 'other';

export interface OutboxRecovery {
  readonly dir: string;
  /** Stored in deliveries/notices.claimed_by by the sender using this outbox. */
  readonly claimer: string;
  writerState(claimer: string | null): WriterState;
  /** Deletes the temporaries of writers that are gone; returns how many. */
  sweepTemporaries(): Promise<number>;
  /** Finished messages by tag (`d123` -> file name). */
  finished(): Promise<Map<string, string>>;
  /** The Message-ID of a finished message (without brackets), or null. */
  messageIdOf(name: string): Promise<string | null>;
}

export interface FileOutbox extends MailTransport {
  readonly kind: 'file';
  readonly outbox: OutboxRecovery;
}

const FINISHED = /^[0-9TZ-]+-([dn]\d+)-[0-9a-f]{6}\.eml$/;
const TEMP = /^\.tmp-(\d+)-([0-9a-f]+)-/;
/** What versions before this one left: `.<name>.eml.tmp`, no owner recorded (only swept at start). */
const LEGACY_TEMP = /^\..+\.eml\.tmp$/;
const CLAIMER = /^file\|([^|]*)\|(\d+)\|([0-9a-f]+)\|(.*)$/;

export function outboxDir(dataDir: string): string {
  return path.join(dataDir, 'outbox');
}

export function fileTransport(dirIn: string): FileOutbox {
  const dir = path.resolve(dirIn);
  // The outbox holds every member's mail and signed links: owner only.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700); // a folder made by an older version was 0755
  } catch {
    /* not ours to change (a shared folder): the files themselves are still 0600 */
  }
  const instance = randomBytes(6).toString('hex');
  open_.add(instance);

  const stateOf = (pid: number, inst: string, host: string): Exclude<WriterState, 'other'> => {
    if (host !== HOST) return 'unknown';
    if (pid === process.pid) return open_.has(inst) ? 'alive' : 'dead';
    return processAlive(pid) ? 'alive' : 'dead';
  };

  const outbox: OutboxRecovery = {
    dir,
    claimer: `file|${HOST}|${process.pid}|${instance}|${dir}`,
    writerState(claimer) {
      const m = claimer ? CLAIMER.exec(claimer) : null;
      if (!m || m[4] !== dir) return 'other';
      return stateOf(Number(m[2]), m[3], m[1]);
    },
    async sweepTemporaries() {
      let n = 0;
      for (const name of await readdir(dir)) {
        const m = TEMP.exec(name);
        const stale = m ? stateOf(Number(m[1]), m[2], HOST) === 'dead' : LEGACY_TEMP.test(name);
        if (!stale) continue;
        await unlink(path.join(dir, name)).then(
          () => n++,
          () => undefined,
        );
      }
      return n;
    },
    async finished() {
      const out = new Map<string, string>();
      for (const name of await readdir(dir)) {
        const m = FINISHED.exec(name);
        if (m) out.set(m[1], name);
      }
      return out;
    },
    async messageIdOf(name) {
      const fh = await open(path.join(dir, name), 'r');
      try {
        const buf = Buffer.alloc(16 * 1024);
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        const head = buf.subarray(0, bytesRead).toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        return /^Message-ID:\s*<([^>\r\n]+)>/im.exec(end >= 0 ? head.slice(0, end) : head)?.[1] ?? null;
      } finally {
        await fh.close();
      }
    },
  };

  return {
    kind: 'file',
    outbox,
    async send(mail: OutgoingMail): Promise<SendResult> {
      // The envelope becomes header lines here (Return-Path, Delivered-To).
      const unsafe = unsafeAddressReason(mail.envelope.from) ?? unsafeAddressReason(mail.envelope.to);
      if (unsafe) return { ok: false, code: null, response: `not sent: ${unsafe}`, refused: true };
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.tag}-${randomBytes(3).toString('hex')}.eml`;
      const tmp = path.join(dir, `.tmp-${process.pid}-${instance}-${name}`);
      const content = `Return-Path: <${mail.envelope.from}>\r\nDelivered-To: ${mail.envelope.to}\r\n${mail.raw}`;
      try {
        const fh = await open(tmp, 'wx', 0o600);
        try {
          await fh.writeFile(content);
          // Like an MTA's 250: on disk before we say so (the row becomes 'sent' right after).
          await fh.datasync();
        } finally {
          await fh.close();
        }
        await rename(tmp, path.join(dir, name));
        return { ok: true, code: 250, response: `250 written to outbox as ${name}` };
      } catch (e) {
        await unlink(tmp).catch(() => undefined);
        return { ok: false, code: null, response: `outbox: ${(e as Error).message}` };
      }
    },
    async close() {
      open_.delete(instance);
    },
  };
}
