// The real services the tests talk to, each started under one temp root on 127.0.0.1 and stopped after.
// Recipes and pitfalls: the shared real-services notes (section numbers below refer to them).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const BOUNCE_DOMAIN = 'lists.example.test';
export const MTA_HOSTNAME = 'mx.lists.example.test';
/** Per-test bounce mailboxes get their own domain `<user>.lists.example.test` (see createMailbox in test/helpers/mail.ts). */
export const MAILBOX_USER_PREFIX = 'mb-';
export const MAIL_UID = 65534; // nobody: Dovecot refuses uid 0 for mail users (section 1)
export const CHROMIUM_PATH = '/usr/bin/chromium';

const isRoot = (): boolean => process.getuid?.() === 0;

// ---------- small process/network tools ----------

const children = new Set<ChildProcess>();
let exitHookInstalled = false;

/** If the test process dies, don't leave servers running behind it. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of children) c.kill('SIGKILL');
    });
  }
  return child;
}

/** What a watchdog must stop if this process is killed without a teardown (SIGKILL, OOM). */
const reapList: { pid?: number; pidFile?: string; signal: 'INT' | 'TERM' }[] = [];

/**
 * A detached shell that waits for this process to die and then stops the services and removes the temp root,
 * so a killed test run leaves nothing behind. Returns a function that ends the watchdog (normal teardown).
 */
export function startReaper(root: string, keepRoot: boolean): () => void {
  const kills = reapList
    .map((r) =>
      r.pid !== undefined
        ? `kill -${r.signal} ${r.pid} 2>/dev/null`
        : `[ -f '${r.pidFile}' ] && kill -${r.signal} "$(cat '${r.pidFile}')" 2>/dev/null`,
    )
    .join('; ');
  const script =
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; ${kills || 'true'}; ` +
    (keepRoot ? 'true' : `sleep 3; rm -rf '${root}'`);
  const child = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return () => {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with the first bytes a TCP server sends (a greeting), or rejects. */
function readGreeting(port: number, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('no greeting'));
    }, timeoutMs);
    sock.once('data', (d) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(d.toString('utf8'));
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    });
  });
}

export async function waitForGreeting(
  name: string,
  port: number,
  prefix: string,
  child: ChildProcess | null,
  logFile: string,
  timeoutMs = 20_000,
): Promise<void> {
  const start = Date.now();
  let last = '';
  while (Date.now() - start < timeoutMs) {
    if (child && child.exitCode !== null) {
      throw new Error(`${name} exited with code ${child.exitCode} before it answered; log: ${tail(logFile)}`);
    }
    try {
      const g = await readGreeting(port);
      if (g.startsWith(prefix)) return;
      last = g;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(30);
  }
  throw new Error(`${name} did not answer on 127.0.0.1:${port} within ${timeoutMs} ms (${last}); log: ${tail(logFile)}`);
}

function tail(file: string, lines = 15): string {
  try {
    return '\n' + readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function run(cmd: string, args: string[], opts: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], uid: opts.uid, gid: opts.gid, env: opts.env ?? process.env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${out}`)),
    );
  });
}

export function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export function userIds(name: string): { uid: number; gid: number } | null {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) return null;
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

function groupName(gid: number): string {
  const line = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[2] === String(gid));
  return line ? line.split(':')[0] : String(gid);
}

// ---------- temp root ----------

export async function makeRoot(): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'listkeeper-test-'));
  // mkdtemp makes 0700; postgres, postfix and nobody must traverse it (pitfall 2.9).
  await chmod(root, 0o755);
  return root;
}

export async function removeRoot(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true, maxRetries: 3 });
}

// ---------- Debian packages ----------

export function pgBinDir(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(path.join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(a) - Number(b));
  const v = versions.at(-1);
  return v === undefined ? null : path.join(base, v, 'bin');
}

const PACKAGES: PackageCheck[] = [
  { pkg: 'dovecot-imapd', present: () => existsSync('/usr/sbin/dovecot') && existsSync('/usr/lib/dovecot/imap') },
  { pkg: 'postfix', present: () => existsSync('/usr/sbin/postfix') },
  { pkg: 'postgresql', present: () => pgBinDir() !== null },
  { pkg: 'chromium', present: () => existsSync(CHROMIUM_PATH) },
];

export interface PackageCheck {
  pkg: string;
  present: () => boolean;
}

export function missingPackages(opts: { needPostgres: boolean; packages?: PackageCheck[]; only?: string[] }): string[] {
  return (opts.packages ?? PACKAGES)
    .filter((p) => !opts.only || opts.only.includes(p.pkg))
    .filter((p) => (p.pkg !== 'postgresql' || opts.needPostgres) && !p.present())
    .map((p) => p.pkg);
}

export function installCommand(pkgs: string[]): string {
  return `sudo apt-get update && sudo apt-get install -y ${pkgs.join(' ')}`;
}

/** As root, installs what is missing (apt-get, waiting for the dpkg lock, 3 tries); otherwise throws with the command. */
export async function ensureDebianPackages(opts: {
  needPostgres: boolean;
  log: (s: string) => void;
  /** Only these of the harness's packages (a benchmark needs fewer than the tests). */
  only?: string[];
  /** Who needs them, for the message: default "npm test". */
  command?: string;
  /** For tests of this function: the checks, and whether we may install (default: running as root with apt-get). */
  packages?: PackageCheck[];
  canInstall?: boolean;
}): Promise<void> {
  const missing = missingPackages(opts);
  if (missing.length === 0) return;
  if (!(opts.canInstall ?? (isRoot() && existsSync('/usr/bin/apt-get')))) {
    const command = opts.command ?? 'npm test';
    throw new Error(
      `${command} needs these Debian packages, which are missing: ${missing.join(' ')}.\n` +
        `Install them with:\n  ${installCommand(missing)}\nthen run ${command} again.`,
    );
  }
  opts.log(`installing Debian packages: ${missing.join(' ')} (apt-get, may take a minute)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  let lastError: unknown = null;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await run('apt-get', [...lock, 'update', '-qq'], { env });
      await run('apt-get', [...lock, 'install', '-y', '-q', '--no-install-recommends', ...missing], { env });
      const still = missingPackages(opts);
      if (still.length === 0) {
        opts.log('Debian packages installed');
        return;
      }
      lastError = new Error(`still missing after apt-get install: ${still.join(' ')}`);
    } catch (err) {
      lastError = err;
    }
    if (attempt < 3) await sleep(15_000);
  }
  throw new Error(
    `Could not install ${missing.join(' ')}: ${(lastError as Error).message}\nInstall them with:\n  ${installCommand(missing)}`,
  );
}

// ---------- PostgreSQL ----------

export interface PostgresService {
  /** A URL whose role may CREATE DATABASE. */
  adminUrl: string;
  /** 'DATABASE_URL', '127.0.0.1:5432' or 'temp cluster'. */
  source: string;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** DATABASE_URL if it answers, else a server on 127.0.0.1:5432 as postgres, else null (TEST_PG_TEMP=1: always null). */
export async function findExistingPostgres(): Promise<{ url: string; source: string } | null> {
  if (process.env.TEST_PG_TEMP === '1') return null; // force the throwaway cluster
  const given = process.env.DATABASE_URL;
  if (given && (await answers(given))) return { url: given, source: 'DATABASE_URL' };
  const local = 'postgresql://postgres@127.0.0.1:5432/postgres';
  if (await answers(local)) return { url: local, source: '127.0.0.1:5432' };
  return null;
}

export async function startTempPostgres(root: string, log: (s: string) => void): Promise<PostgresService> {
  const bin = pgBinDir();
  if (!bin) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (package postgresql)');
  const dir = path.join(root, 'pg');
  const data = path.join(dir, 'data');
  const sock = path.join(dir, 'sock');
  mkdirSync(sock, { recursive: true });
  // initdb and the server refuse to run as root: run them as the postgres user the Debian package creates.
  const ids = isRoot() ? userIds('postgres') : null;
  if (isRoot() && !ids) throw new Error('user postgres not found (package postgresql)');
  if (ids) {
    await chown(dir, ids.uid, ids.gid);
    await chown(sock, ids.uid, ids.gid);
  }
  const user = ids ? { uid: ids.uid, gid: ids.gid } : {};
  const env = { ...process.env, LC_ALL: 'C.UTF-8' };
  await run(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], {
    ...user,
    env,
  });
  const port = await freePort();
  const logFile = path.join(dir, 'postgres.log');
  const fd = openSync(logFile, 'a');
  const child = track(
    spawn(
      path.join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-k', sock, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off',
        '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
      { stdio: ['ignore', fd, fd], ...user, env },
    ),
  );
  closeSync(fd);
  if (child.pid !== undefined) reapList.push({ pid: child.pid, signal: 'INT' });
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const start = Date.now();
  while (!(await answers(url))) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}; log: ${tail(logFile)}`);
    if (Date.now() - start > 30_000) throw new Error(`postgres did not answer within 30 s; log: ${tail(logFile)}`);
    await sleep(30);
  }
  log(`postgres temp cluster on 127.0.0.1:${port}`);
  return {
    adminUrl: url,
    source: 'temp cluster',
    async stop() {
      child.kill('SIGINT'); // fast shutdown
      await waitExit(child, 10_000);
    },
  };
}

/** Runs `sql` on the admin URL. */
export async function adminQuery(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

// ---------- Dovecot ----------

export interface DovecotService {
  host: string;
  port: number;
  /** user -> password */
  users: Record<string, string>;
  usersFile: string;
  /** createMailbox claims a pool user by creating `<claimsDir>/<user>` (mkdir is atomic across workers). */
  claimsDir: string;
  /** Home directories are `<mailRoot>/<user>`, the maildir `<mailRoot>/<user>/Maildir`. */
  mailRoot: string;
  mailUid: number;
  mailGid: number;
  log: string;
  stop(): Promise<void>;
}

export const DEFAULT_MAIL_USERS: Record<string, string> = {
  bounces: 'bounces-secret',
  alice: 'alice-secret',
};

/** One passwd-file line (plain-text password; Dovecot re-reads the file when it changes). */
export function dovecotUserLine(user: string, password: string, uid: number, gid: number, mailRoot: string): string {
  return `${user}:{PLAIN}${password}:${uid}:${gid}::${path.join(mailRoot, user)}::\n`;
}

export const MAILBOX_POOL_SIZE = 300;

/** Spare Dovecot users mb-001 ... (claimed one per test by createMailbox in test/helpers/mail.ts). */
export function poolUsers(): string[] {
  return Array.from({ length: MAILBOX_POOL_SIZE }, (_, i) => `${MAILBOX_USER_PREFIX}${String(i + 1).padStart(3, '0')}`);
}

export function poolPassword(user: string): string {
  return `${user}-secret`;
}

/** Where Dovecot keeps the homes (and Postfix delivers): known before Dovecot starts, so both can start at once. */
export function dovecotMailRoot(root: string): string {
  return path.join(root, 'dovecot', 'mail');
}

export async function startDovecot(root: string): Promise<DovecotService> {
  const dir = path.join(root, 'dovecot');
  const mailRoot = dovecotMailRoot(root);
  for (const d of ['run', 'state', 'mail']) mkdirSync(path.join(dir, d), { recursive: true });
  // As root, mail belongs to nobody (uid 0 is refused); otherwise everything runs as the current user (rootless variant).
  const me = os.userInfo();
  const uid = isRoot() ? MAIL_UID : me.uid;
  const gid = isRoot() ? MAIL_UID : me.gid;
  await chown(mailRoot, uid, gid);
  const port = await freePort();
  const usersFile = path.join(dir, 'users');
  // Plus a pool of spare users for per-test mailboxes: Dovecot re-reads its passwd-file at most once a second,
  // so users appended during the run could be refused for a moment.
  writeFileSync(
    usersFile,
    [...Object.entries(DEFAULT_MAIL_USERS), ...poolUsers().map((u) => [u, poolPassword(u)])]
      .map(([u, p]) => dovecotUserLine(u, p, uid, gid, mailRoot))
      .join(''),
  );
  mkdirSync(path.join(dir, 'claims'));
  const logFile = path.join(dir, 'dovecot.log');
  const rootless = isRoot()
    ? ''
    : `default_internal_user = ${me.username}\ndefault_internal_group = ${groupName(me.gid)}\ndefault_login_user = ${me.username}\n`;
  const conf = `instance_name = listkeeper-test-${port}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${logFile}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests log in with wrong passwords on purpose: no 2 s delay before the failure (and no penalty, see anvil below).
auth_failure_delay = 0
mail_location = maildir:~/Maildir
first_valid_uid = 1
${rootless}passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n ${usersFile}
}
userdb {
  driver = passwd-file
  args = username_format=%n ${usersFile}
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
  # mode 0 turns the authentication penalty off (a failed login would slow the next ones from 127.0.0.1 by seconds)
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
protocol imap {
  mail_max_userip_connections = 100
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Processed {
    auto = create
  }
  mailbox Unrecognised {
    auto = create
  }
  mailbox Failed {
    auto = create
  }
}
`;
  const confFile = path.join(dir, 'dovecot.conf');
  writeFileSync(confFile, conf);
  const child = track(spawn('/usr/sbin/dovecot', ['-F', '-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] }));
  if (child.pid !== undefined) reapList.push({ pid: child.pid, signal: 'TERM' });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitForGreeting('dovecot', port, '* OK', child, logFile);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return {
    host: '127.0.0.1',
    port,
    users: { ...DEFAULT_MAIL_USERS },
    usersFile,
    claimsDir: path.join(dir, 'claims'),
    mailRoot,
    mailUid: uid,
    mailGid: gid,
    log: logFile,
    async stop() {
      child.kill('SIGTERM');
      await waitExit(child, 5000);
    },
  };
}

// ---------- Postfix ----------

export interface PostfixService {
  host: string;
  port: number;
  maillog: string;
  stop(): Promise<void>;
}

/**
 * Stops a Postfix started with `start-fg`: that leaves postfix-script (sh) as our child, so the master is
 * signalled by the pid in its pid file and waited for (up to 5 s), then the child.
 */
export async function stopPostfixMaster(pidFile: string, child: ChildProcess): Promise<void> {
  let pid = NaN;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    /* not started */
  }
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const start = Date.now();
    while (Date.now() - start < 5000) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await sleep(20);
    }
  }
  child.kill('SIGTERM');
  await waitExit(child, 2000);
}

/** Debian's master.cf services, chroot off (the instance's paths are outside any chroot). */
export const MASTER_CF_SERVICES = `pickup     unix n - n 60 1 pickup
cleanup    unix n - n - 0 cleanup
qmgr       unix n - n 300 1 qmgr
tlsmgr     unix - - n 1000? 1 tlsmgr
rewrite    unix - - n - - trivial-rewrite
bounce     unix - - n - 0 bounce
defer      unix - - n - 0 bounce
trace      unix - - n - 0 bounce
verify     unix - - n - 1 verify
flush      unix n - n 1000? 0 flush
proxymap   unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp       unix - - n - - smtp
relay      unix - - n - - smtp
showq      unix n - n - - showq
error      unix - - n - - error
retry      unix - - n - - error
discard    unix - - n - - discard
local      unix - n n - - local
virtual    unix - n n - - virtual
lmtp       unix - - n - - lmtp
anvil      unix - - n - 1 anvil
scache     unix - - n - 1 scache
postlog    unix-dgram n - n - 1 postlogd
`;

/**
 * A throwaway Postfix that turns VERP-addressed mail into real DSNs in Dovecot's maildirs (section 2):
 * - anything@lists.example.test → the `bounces` maildir; anything@mb-xxx.lists.example.test → user mb-xxx's maildir;
 * - unknown@mx.lists.example.test → local(8) bounces it 5.1.1 (a DSN to the envelope sender);
 * - every other domain (ok/defer/reject.example.test, example.org, ...) → the shared sink.
 */
export async function startPostfix(root: string, opts: { sinkPort: number; mailRoot: string }): Promise<PostfixService> {
  if (!isRoot()) throw new Error('the test Postfix needs root (CI runs as root); run the tests as root');
  const dir = path.join(root, 'postfix');
  const etc = path.join(dir, 'etc');
  for (const d of ['etc', 'spool', 'data']) mkdirSync(path.join(dir, d), { recursive: true });
  const pf = userIds('postfix');
  if (!pf) throw new Error('user postfix not found (package postfix)');
  await chown(path.join(dir, 'data'), pf.uid, pf.gid);
  const port = await freePort();
  const maillog = path.join(dir, 'maillog');
  const escapedDomain = BOUNCE_DOMAIN.replace(/\./g, '\\.');
  writeFileSync(
    path.join(etc, 'main.cf'),
    `compatibility_level = 3.6
queue_directory = ${dir}/spool
data_directory = ${dir}/data
maillog_file = ${maillog}
maillog_file_prefixes = ${dir}
mail_owner = postfix
setgid_group = postdrop
myhostname = ${MTA_HOSTNAME}
mydomain = ${BOUNCE_DOMAIN}
myorigin = $myhostname
mydestination = $myhostname, localhost
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
relayhost =
smtp_dns_support_level = disabled
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtputf8_enable = no
message_size_limit = 52428800
mailbox_size_limit = 0
virtual_mailbox_limit = 0
transport_maps = regexp:${etc}/transport
virtual_mailbox_domains = ${BOUNCE_DOMAIN}, regexp:${etc}/vdomains
virtual_mailbox_base = ${opts.mailRoot}
virtual_mailbox_maps = regexp:${etc}/vmailbox
virtual_uid_maps = static:${MAIL_UID}
virtual_gid_maps = static:${MAIL_UID}
recipient_delimiter = +
biff = no
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
delay_warning_time = 3s
maximal_queue_lifetime = 20s
bounce_queue_lifetime = 20s
`,
  );
  writeFileSync(
    path.join(etc, 'master.cf'),
    `127.0.0.1:${port} inet n - n - - smtpd\n${MASTER_CF_SERVICES}` +
      // Per-test mailboxes: virtual(8) allows no regexp substitution, so a tiny maildir writer picks the user
      // from the domain (mb-xxx.lists.example.test → <mailRoot>/mb-xxx/Maildir/new).
      `lkmailbox  unix - n n - - pipe flags=DROhu user=nobody argv=/bin/sh ${etc}/deliver.sh \${domain}\n`,
  );
  writeFileSync(
    path.join(etc, 'transport'),
    // Explicit local/virtual rules first: a negated catch-all would also match the parent-domain lookups
    // (.example.test) Postfix makes for local domains.
    `/^([^@]*@)?(${MTA_HOSTNAME.replace(/\./g, '\\.')}|localhost)$/ local:
/^([^@]*@)?${MAILBOX_USER_PREFIX}[a-z0-9]+\\.${escapedDomain}$/ lkmailbox:
/^([^@]*@)?([^@]*\\.)?${escapedDomain}$/ virtual:
/./ smtp:[127.0.0.1]:${opts.sinkPort}
`,
  );
  writeFileSync(path.join(etc, 'vdomains'), `/^${MAILBOX_USER_PREFIX}[a-z0-9]+\\.${escapedDomain}$/ OK\n`);
  writeFileSync(
    path.join(etc, 'vmailbox'),
    // The first line only makes per-test mailbox recipients valid; transport_maps sends them to lkmailbox.
    `/@${MAILBOX_USER_PREFIX}[a-z0-9]+\\.${escapedDomain}$/ per-test-mailbox/
/@${escapedDomain}$/ bounces/Maildir/
`,
  );
  writeFileSync(
    path.join(etc, 'deliver.sh'),
    `# $1: recipient domain <user>.${BOUNCE_DOMAIN}; writes stdin into that user's maildir the way virtual(8) does.
set -eu
user=\${1%%.*}
case "$user" in
  ${MAILBOX_USER_PREFIX}*[!a-z0-9-]*) echo "bad mailbox $user" >&2; exit 67;;
  ${MAILBOX_USER_PREFIX}?*) ;;
  *) echo "bad mailbox $user" >&2; exit 67;;
esac
dir=${opts.mailRoot}/$user/Maildir
mkdir -p "$dir/tmp" "$dir/new" "$dir/cur"
f="$(date +%s).P$$R$(od -An -N4 -tx4 /dev/urandom | tr -d ' ').listkeeper"
cat > "$dir/tmp/$f"
mv "$dir/tmp/$f" "$dir/new/$f"
`,
  );
  // Postfix waits while its config files are younger than ~1 s (pitfall 2.1): backdate them.
  const past = new Date(Date.now() - 60_000);
  for (const f of readdirSync(etc)) utimesSync(path.join(etc, f), past, past);

  const child = track(spawn('/usr/sbin/postfix', ['-c', etc, 'start-fg'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const pidFile = path.join(dir, 'spool', 'pid', 'master.pid');
  reapList.push({ pidFile, signal: 'TERM' });
  const stopMaster = (): Promise<void> => stopPostfixMaster(pidFile, child);
  try {
    await waitForGreeting('postfix', port, '220', child, maillog);
  } catch (err) {
    await stopMaster();
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return { host: '127.0.0.1', port, maillog, stop: stopMaster };
}
