// A private OpenSMTPD (Debian's opensmtpd, downloaded and unpacked, not installed: it conflicts with the installed
// Postfix). Its spool (/var/spool/smtpd), chroot (/var/lib/opensmtpd/empty), control socket (/run/smtpd.sock),
// helpers (/usr/libexec/opensmtpd) and users (opensmtpd, opensmtpq) are compiled in, so it runs in a private mount
// namespace where those paths are directories of this instance (see common.ts). Needs root.
import { chmodSync, chownSync, copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, run } from '../services.js';
import {
  candidateVersion,
  defaultCacheDir,
  inPrivateNamespace,
  isRoot,
  makeDir,
  MAIL_USER,
  privateUserDb,
  startForeground,
  unpackDebs,
  writeDeliverScript,
  type MtaInstance,
  type MtaOptions,
  type MtaRoute,
} from './common.js';

export const OPENSMTPD_PACKAGES = ['opensmtpd'];

function relayUrl(r: MtaRoute): string {
  // smtp+notls: never STARTTLS; smtp+tls: mandatory STARTTLS, certificate verified unless "tls no-verify".
  if (r.tls === 'require') return `host smtp+tls://${r.host}:${r.port} tls no-verify`;
  if (r.tls === 'verify') return `host smtp+tls://${r.host}:${r.port}`;
  return `host smtp+notls://${r.host}:${r.port}`;
}

export async function startOpenSmtpd(opts: MtaOptions): Promise<MtaInstance> {
  if (!isRoot()) throw new Error('the private OpenSMTPD needs root (a mount namespace, and smtpd starts as root)');
  const tree = await unpackDebs('opensmtpd', OPENSMTPD_PACKAGES, opts.cacheDir ?? defaultCacheDir(), opts.log);
  const smtpd = path.join(tree, 'usr', 'sbin', 'smtpd');
  const dir = makeDir(opts.dir);
  const userDb = privateUserDb(dir, ['opensmtpd', 'opensmtpq']);
  // smtpctl insists on being setgid opensmtpq (Debian sets that up when installing); a copy of ours is.
  const smtpctl = path.join(dir, 'smtpctl');
  copyFileSync(path.join(tree, 'usr', 'sbin', 'smtpctl'), smtpctl);
  chownSync(smtpctl, 0, userDb.users[1].gid);
  chmodSync(smtpctl, 0o2555);
  const spool = makeDir(path.join(dir, 'var-spool'));
  const varLib = makeDir(path.join(dir, 'var-lib'));
  makeDir(path.join(varLib, 'opensmtpd', 'empty'));
  const runDir = makeDir(path.join(dir, 'run'));
  const deliverScript = path.join(dir, 'deliver.sh');
  writeDeliverScript(deliverScript, opts.maildirRoot);
  const port = await freePort();
  const t = opts.timing;
  const conf = path.join(dir, 'smtpd.conf');
  writeFileSync(
    conf,
    `# Private OpenSMTPD for the MTA fixtures (test/env/mta/opensmtpd.ts).
queue ttl ${t.giveUpSeconds}s
bounce warn-interval ${t.warnSeconds}s
table bouncers { "@${opts.localDomain}" = "${MAIL_USER}" }
listen on 127.0.0.1 port ${port} hostname ${opts.hostname}
action "bounces" mda "/bin/sh ${deliverScript} %{rcpt}" virtual <bouncers>
${opts.routes.map((r, i) => `action "route${i}" relay ${relayUrl(r)}`).join('\n')}
action "dns" relay
match from any for domain "${opts.localDomain}" action "bounces"
${opts.routes.map((r, i) => `match from local for domain "${r.domain}" action "route${i}"`).join('\n')}
match from local for any action "dns"
`,
  );
  const version = await candidateVersion('opensmtpd');
  const logFile = path.join(dir, 'smtpd.log');
  const argv = inPrivateNamespace(
    dir,
    [
      [userDb.passwd, '/etc/passwd'],
      [userDb.group, '/etc/group'],
      [spool, '/var/spool'],
      [varLib, '/var/lib'],
      [runDir, '/run'],
      [path.join(tree, 'usr', 'libexec'), '/usr/libexec'],
    ],
    opts.hostname,
    [smtpd, '-d', '-f', conf],
  );
  const { child, stop } = await startForeground('opensmtpd', argv, port, logFile);
  opts.log?.(`opensmtpd ${version} on 127.0.0.1:${port}`);
  // OpenSMTPD's own retry backoff starts at minutes: the generator asks it to retry now, through its control
  // socket, which only exists inside the namespace.
  const kick = async (): Promise<void> => {
    if (child.pid === undefined || child.exitCode !== null) return;
    await run('nsenter', ['-t', String(child.pid), '-m', smtpctl, 'schedule', 'all']);
  };
  return { name: 'opensmtpd', version, host: '127.0.0.1', port, logFile, kick, stop };
}
