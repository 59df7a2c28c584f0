// A private Sendmail (Debian's sendmail-bin, downloaded and unpacked, not installed: it conflicts with the installed
// Postfix). Its sendmail.cf is generated with the unpacked sendmail-cf macros and m4; routing to the sinks is a
// mailertable with one mailer per sink port; TLS policy is in the access map. Sendmail is setgid, so the loader ignores
// LD_LIBRARY_PATH: it runs in a private mount namespace whose linker cache lists the unpacked libraries, and whose
// /etc/hosts knows its host name (Sendmail waits for a minute when it cannot resolve its own name). Needs root.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, run, userIds } from '../services.js';
import {
  candidateVersion,
  defaultCacheDir,
  inPrivateNamespace,
  isRoot,
  makeDir,
  MAIL_USER,
  privateLdCache,
  startForeground,
  unpackDebs,
  writeDeliverScript,
  type MtaInstance,
  type MtaOptions,
} from './common.js';

export const SENDMAIL_PACKAGES = ['sendmail-bin', 'sendmail-base', 'sendmail-cf', 'libmilter1.0.1', 'liblockfile1', 'm4'];

export async function startSendmail(opts: MtaOptions): Promise<MtaInstance> {
  if (!isRoot()) throw new Error('the private Sendmail needs root (a mount namespace, and sendmail starts as root)');
  const tree = await unpackDebs('sendmail', SENDMAIL_PACKAGES, opts.cacheDir ?? defaultCacheDir(), opts.log);
  const sendmail = path.join(tree, 'usr', 'libexec', 'sendmail', 'sendmail');
  const libs = path.join(tree, 'usr', 'lib', 'x86_64-linux-gnu');
  const cfDir = path.join(tree, 'usr', 'share', 'sendmail', 'cf');
  const dir = makeDir(opts.dir, 0o755);
  const queue = makeDir(path.join(dir, 'mqueue'), 0o700);
  const port = await freePort();
  const t = opts.timing;
  // Numeric: with "U=nobody:nogroup" this Sendmail drops the mailer and garbles the ones after it.
  const mailUser = userIds(MAIL_USER);
  if (!mailUser) throw new Error(`user ${MAIL_USER} not found`);
  const deliverScript = path.join(dir, 'deliver.sh');
  writeDeliverScript(deliverScript, opts.maildirRoot);

  // One mailer per sink port ("A=TCP $h port"; Sendmail has room for 25 mailers); the mailertable names the mailer
  // and the sink's address.
  const ports = [...new Set(opts.routes.map((r) => r.port))];
  if (ports.length > 10) throw new Error(`sendmail: ${ports.length} sink ports; put the sinks on different addresses, one port`);
  const mailerOf = (p: number): string => `sink${ports.indexOf(p)}`;
  const mailers = ports
    .map((p) => `M${mailerOf(p)},\tP=[IPC], F=mDFMuXa, S=EnvFromSMTP/HdrFromSMTP, R=EnvToSMTP, E=\\r\\n, L=990,\n\t\tT=DNS/RFC822/SMTP,\n\t\tA=TCP $h ${p}`)
    .join('\n');
  writeFileSync(
    path.join(dir, 'mailertable'),
    `${opts.localDomain} lkdeliver:${opts.localDomain}\n` + opts.routes.map((r) => `${r.domain} ${mailerOf(r.port)}:[${r.host}]\n`).join(''),
  );
  const tlsRule = (host: string, policy: string | undefined): string[] => {
    if (policy === 'require') return [`TLS_Srv:${host} ENCR:1`];
    if (policy === 'verify') return [`TLS_Srv:${host} VERIFY`];
    return [`Try_TLS:${host} NO`];
  };
  writeFileSync(
    path.join(dir, 'access'),
    // Several domains share the main sink's address: one line per address.
    [...new Set(['Connect:127.0.0.1 RELAY', ...opts.routes.flatMap((r) => tlsRule(r.host, r.tls))])].join('\n') + '\n',
  );
  writeFileSync(path.join(dir, 'aliases'), 'postmaster: root\nMAILER-DAEMON: postmaster\n');
  const hosts = path.join(dir, 'hosts');
  writeFileSync(hosts, `127.0.0.1 localhost\n127.0.0.1 ${opts.hostname} ${opts.hostname.split('.')[0]}\n`);
  writeFileSync(
    path.join(dir, 'sendmail.mc'),
    `divert(-1)
# Private Sendmail for the MTA fixtures (test/env/mta/sendmail.ts).
divert(0)dnl
VERSIONID(\`listkeeper MTA fixtures')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`${opts.hostname}')dnl
define(\`QUEUE_DIR', \`${queue}')dnl
define(\`STATUS_FILE', \`${dir}/statistics')dnl
define(\`ALIAS_FILE', \`${dir}/aliases')dnl
define(\`confPID_FILE', \`${dir}/sendmail.pid')dnl
define(\`confCW_FILE', \`-o ${dir}/local-host-names')dnl
define(\`confTO_QUEUEWARN', \`${t.warnSeconds}s')dnl
define(\`confTO_QUEUERETURN', \`${t.giveUpSeconds}s')dnl
define(\`confTO_CONNECT', \`5s')dnl
define(\`confTO_INITIAL', \`10s')dnl
define(\`confMIN_QUEUE_AGE', \`0s')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
dnl A busy test machine must not make Sendmail queue or refuse mail for its load average.
define(\`confQUEUE_LA', \`1000')dnl
define(\`confREFUSE_LA', \`1000')dnl
define(\`confCACERT_PATH', \`/etc/ssl/certs')dnl
define(\`confCACERT', \`/etc/ssl/certs/ca-certificates.crt')dnl
define(\`confLOG_LEVEL', \`9')dnl
dnl The instance lives under the world-writable /tmp, where Sendmail refuses to open or build its maps.
define(\`confDONT_BLAME_SENDMAIL', \`MapInUnsafeDirPath,WriteMapToHardLink,WriteMapToSymLink')dnl
DAEMON_OPTIONS(\`Port=${port}, Addr=127.0.0.1, Name=MTA')dnl
FEATURE(\`nocanonify')dnl
dnl The list's own domain (lists.example.test) has no DNS: accept its senders anyway.
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`access_db', \`hash -T<TMPF> ${dir}/access')dnl
FEATURE(\`mailertable', \`hash ${dir}/mailertable')dnl
MAILER(\`smtp')dnl
MAILER_DEFINITIONS
Mlkdeliver,	P=/bin/sh, F=lsDFMPhnu9, S=EnvFromL/HdrFromL, R=EnvToL/HdrToL,
		T=DNS/RFC822/X-Unix, U=${mailUser.uid}:${mailUser.gid},
		A=sh ${deliverScript} $u@$h
${mailers}
`,
  );
  const env = { ...process.env, LD_LIBRARY_PATH: libs };
  const cf = path.join(dir, 'sendmail.cf');
  const m4 = path.join(tree, 'usr', 'bin', 'm4');
  writeFileSync(cf, await run(m4, [`-D_CF_DIR_=${cfDir}/`, path.join(cfDir, 'm4', 'cf.m4'), path.join(dir, 'sendmail.mc')], { env }));
  const makemap = path.join(tree, 'usr', 'libexec', 'sendmail', 'makemap');
  for (const map of ['access', 'mailertable']) {
    await run('/bin/sh', ['-c', `'${makemap}' -C '${cf}' hash '${dir}/${map}' < '${dir}/${map}'`], { env });
  }
  const ldCache = await privateLdCache(dir, [libs]);
  const binds: Array<[string, string]> = [
    [ldCache, '/etc/ld.so.cache'],
    [hosts, '/etc/hosts'],
  ];
  const newaliases = inPrivateNamespace(dir, binds, opts.hostname, [sendmail, '-C', cf, '-bi']);
  await run(newaliases[0], newaliases.slice(1));
  const version = await candidateVersion('sendmail-bin');
  const logFile = path.join(dir, 'sendmail.out');
  const { stop } = await startForeground('sendmail', inPrivateNamespace(dir, binds, opts.hostname, [sendmail, '-C', cf, '-bD', `-q${t.retrySeconds}s`]), port, logFile);
  opts.log?.(`sendmail ${version} on 127.0.0.1:${port}`);
  return { name: 'sendmail', version, host: '127.0.0.1', port, logFile, stop };
}
