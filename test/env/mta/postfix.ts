// A private Postfix (the installed Debian package, a second instance with its own config, queue and log) that
// relays to SMTP sinks and writes the notices it sends into a maildir root (see common.ts). Recipe: the shared
// real-services notes, section 2; needs root (Postfix's master does).
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, MASTER_CF_SERVICES, run, stopPostfixMaster, userIds, waitForGreeting } from '../services.js';
import { isRoot, makeDir, MAIL_GROUP, MAIL_USER, spawnLogged, writeDeliverScript, type MtaInstance, type MtaOptions } from './common.js';

const TLS_LEVEL = { none: 'none', require: 'encrypt', verify: 'secure' } as const;

export async function startPostfix(opts: MtaOptions): Promise<MtaInstance> {
  if (!isRoot()) throw new Error('Postfix needs root (its master process runs as root)');
  const dir = makeDir(opts.dir);
  const etc = makeDir(path.join(dir, 'etc'));
  makeDir(path.join(dir, 'spool'));
  const data = makeDir(path.join(dir, 'data'));
  const pf = userIds('postfix');
  if (!pf) throw new Error('user postfix not found (package postfix)');
  await run('chown', [`${pf.uid}:${pf.gid}`, data]);
  const port = await freePort();
  const maillog = path.join(dir, 'maillog');
  const t = opts.timing;
  writeDeliverScript(path.join(etc, 'deliver.sh'), opts.maildirRoot);
  writeFileSync(
    path.join(etc, 'main.cf'),
    `compatibility_level = 3.6
queue_directory = ${dir}/spool
data_directory = ${data}
maillog_file = ${maillog}
maillog_file_prefixes = ${dir}
mail_owner = postfix
setgid_group = postdrop
myhostname = ${opts.hostname}
mydomain = ${opts.localDomain}
myorigin = $myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
relayhost =
smtputf8_enable = no
biff = no
transport_maps = texthash:${etc}/transport
smtp_tls_security_level = none
smtp_tls_policy_maps = texthash:${etc}/tls_policy
smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt
smtp_tls_loglevel = 1
queue_run_delay = ${t.retrySeconds}s
minimal_backoff_time = ${t.retrySeconds}s
maximal_backoff_time = ${t.retrySeconds * 2}s
delay_warning_time = ${t.warnSeconds}s
maximal_queue_lifetime = ${t.giveUpSeconds}s
bounce_queue_lifetime = ${t.giveUpSeconds}s
`,
  );
  writeFileSync(
    path.join(etc, 'master.cf'),
    `127.0.0.1:${port} inet n - n - - smtpd\n${MASTER_CF_SERVICES}` +
      `lkdeliver  unix - n n - - pipe flags=DROhu user=${MAIL_USER}:${MAIL_GROUP} argv=/bin/sh ${etc}/deliver.sh \${recipient}\n`,
  );
  writeFileSync(
    path.join(etc, 'transport'),
    `${opts.localDomain} lkdeliver:\n` + opts.routes.map((r) => `${r.domain} smtp:[${r.host}]:${r.port}\n`).join(''),
  );
  // The TLS policy table is keyed by the verbatim next hop of the transport table, brackets and port included.
  writeFileSync(
    path.join(etc, 'tls_policy'),
    opts.routes
      .filter((r) => r.tls && r.tls !== 'none')
      .map((r) => `[${r.host}]:${r.port} ${TLS_LEVEL[r.tls ?? 'none']}\n`)
      .join(''),
  );
  // Postfix waits while its config files are younger than a second or so (pitfall 2.1): backdate them.
  const past = new Date(Date.now() - 60_000);
  for (const f of readdirSync(etc)) utimesSync(path.join(etc, f), past, past);

  const version = (await run('/usr/sbin/postconf', ['-d', '-h', 'mail_version'])).trim();
  const child = spawnLogged(['/usr/sbin/postfix', '-c', etc, 'start-fg'], path.join(dir, 'postfix.out'));
  const pidFile = path.join(dir, 'spool', 'pid', 'master.pid');
  const stop = (): Promise<void> => stopPostfixMaster(pidFile, child);
  try {
    await waitForGreeting('postfix', port, '220', child, maillog);
  } catch (err) {
    await stop();
    throw err;
  }
  opts.log?.(`postfix ${version} on 127.0.0.1:${port}`);
  return { name: 'postfix', version, host: '127.0.0.1', port, logFile: maillog, stop };
}
