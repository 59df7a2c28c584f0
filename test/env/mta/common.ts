// What the private MTA instances (Postfix, Exim, OpenSMTPD, Sendmail) have in common: the options they take, the
// handle they return, Debian packages unpacked into a cache, a private mount namespace for the MTAs whose paths and
// users are compiled in, and the maildir writer that stores the notices they deliver.
// Recipes: the shared real-services notes, section 2 (Postfix); the other three follow the same pattern.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, sleep, track, waitExit, waitForGreeting } from '../services.js';

export type MtaName = 'postfix' | 'exim' | 'opensmtpd' | 'sendmail';

/**
 * How the MTA treats TLS toward one route: `none` never tries STARTTLS, `require` defers unless STARTTLS works
 * (any certificate), `verify` also defers unless the certificate is trusted.
 */
export type TlsPolicy = 'none' | 'require' | 'verify';

/** Mail for `domain` goes to host:port (an SMTP sink on a loopback address) instead of its MX. */
export interface MtaRoute {
  domain: string;
  host: string;
  port: number;
  tls?: TlsPolicy;
}

export interface MtaTiming {
  /** How often a deferred message is retried (queue run interval / backoff). */
  retrySeconds: number;
  /** Age after which the sender gets a delay warning. */
  warnSeconds: number;
  /** Age after which a deferred message is returned as failed. */
  giveUpSeconds: number;
}

export interface MtaOptions {
  /** A directory for this instance only (config, queue, log); created if missing. */
  dir: string;
  /** The MTA's own host name: its greeting, Received lines and MAILER-DAEMON@ address. */
  hostname: string;
  /** Mail to any address at this domain is written into `maildirRoot` (see deliverScript). */
  localDomain: string;
  maildirRoot: string;
  /** Domains relayed to SMTP sinks; every other domain is looked up in the DNS (unknown ones fail). */
  routes: MtaRoute[];
  timing: MtaTiming;
  /** Where Debian packages are downloaded and unpacked (default: $MTA_CACHE_DIR or <tmp>/listkeeper-mta-cache). */
  cacheDir?: string;
  log?: (line: string) => void;
}

export interface MtaInstance {
  name: MtaName;
  version: string;
  host: string;
  port: number;
  /** The MTA's own log, for debugging (may be empty for MTAs that only log to syslog). */
  logFile: string;
  /** Ask the MTA to retry its queue now; for MTAs whose own backoff is longer than a test can wait. */
  kick?: () => Promise<void>;
  stop(): Promise<void>;
}

export const MAIL_USER = 'nobody';
export const MAIL_GROUP = 'nogroup';

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function defaultCacheDir(): string {
  return process.env.MTA_CACHE_DIR || path.join(os.tmpdir(), 'listkeeper-mta-cache');
}

/**
 * Downloads the packages with `apt-get download` and unpacks them with `dpkg-deb -x` into `<cacheDir>/<name>`
 * (once: later calls reuse it). Installing them is not an option: they conflict with the installed Postfix
 * (`Conflicts: mail-transport-agent`). Returns the unpacked root (it has usr/sbin, usr/lib, ... below it).
 */
export async function unpackDebs(name: string, packages: string[], cacheDir: string, log?: (s: string) => void): Promise<string> {
  const rootDir = path.join(cacheDir, name);
  const done = path.join(rootDir, '.unpacked');
  const want = packages.join(' ');
  if (existsSync(done) && readFileSync(done, 'utf8') === want) return rootDir;
  rmSync(rootDir, { recursive: true, force: true });
  const debs = path.join(cacheDir, `${name}-debs`);
  rmSync(debs, { recursive: true, force: true });
  mkdirSync(debs, { recursive: true });
  mkdirSync(rootDir, { recursive: true });
  log?.(`${name}: apt-get download ${want}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // As root apt would hand the download to its _apt sandbox user, which cannot write into our cache directory.
  await run('/bin/sh', ['-c', `cd '${debs}' && apt-get -q -o APT::Sandbox::User=root download ${want}`], { env }).catch((err: Error) => {
    throw new Error(`${err.message}\n(is the package list current? run: apt-get update)`);
  });
  for (const f of readdirSync(debs).filter((f) => f.endsWith('.deb'))) await run('dpkg-deb', ['-x', path.join(debs, f), rootDir]);
  rmSync(debs, { recursive: true, force: true });
  // The unpacked tree is read by processes that drop to other users (mail, nobody).
  chmodSync(cacheDir, 0o755);
  chmodSync(rootDir, 0o755);
  writeFileSync(done, want);
  return rootDir;
}

/** A Debian package's version as `apt-cache` sees it (the one `apt-get download` fetches). */
export async function candidateVersion(pkg: string): Promise<string> {
  const out = await run('apt-cache', ['policy', pkg]);
  return /Candidate:\s*(\S+)/.exec(out)?.[1] ?? 'unknown';
}

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * Copies of /etc/passwd and /etc/group with the users an MTA has compiled in (Exim: Debian-exim; OpenSMTPD:
 * opensmtpd, opensmtpq), to be bind-mounted over the real ones in the MTA's private namespace: nothing is added
 * to the system's user database.
 */
export function privateUserDb(dir: string, names: string[]): { passwd: string; group: string; users: SystemUser[] } {
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const group = readFileSync('/etc/group', 'utf8');
  const usedUids = new Set(passwd.split('\n').map((l) => Number(l.split(':')[2])));
  const usedGids = new Set(group.split('\n').map((l) => Number(l.split(':')[2])));
  const users: SystemUser[] = [];
  let next = 64900;
  for (const name of names) {
    const existing = passwd.split('\n').find((l) => l.startsWith(`${name}:`));
    if (existing) {
      const f = existing.split(':');
      users.push({ name, uid: Number(f[2]), gid: Number(f[3]) });
      continue;
    }
    while (usedUids.has(next) || usedGids.has(next)) next++;
    users.push({ name, uid: next, gid: next });
    usedUids.add(next);
    usedGids.add(next);
  }
  const added = users.filter((u) => !passwd.split('\n').some((l) => l.startsWith(`${u.name}:`)));
  const passwdFile = path.join(dir, 'passwd');
  const groupFile = path.join(dir, 'group');
  writeFileSync(passwdFile, passwd.trimEnd() + '\n' + added.map((u) => `${u.name}:x:${u.uid}:${u.gid}::/nonexistent:/usr/sbin/nologin\n`).join(''));
  writeFileSync(groupFile, group.trimEnd() + '\n' + added.map((u) => `${u.name}:x:${u.gid}:\n`).join(''));
  chmodSync(passwdFile, 0o644);
  chmodSync(groupFile, 0o644);
  return { passwd: passwdFile, group: groupFile, users };
}

/**
 * A copy of the dynamic linker's cache (/etc/ld.so.cache) that also lists `libDirs`, to be bind-mounted over the
 * real one in a private namespace. LD_LIBRARY_PATH is not enough for the unpacked MTAs: Exim is setuid root and
 * Sendmail setgid, so the loader ignores it whenever they are started by anyone but root (Exim re-executes itself
 * as its own user); the cache is trusted either way.
 */
export async function privateLdCache(dir: string, libDirs: string[]): Promise<string> {
  const conf = path.join(dir, 'ld.so.conf');
  const cache = path.join(dir, 'ld.so.cache');
  writeFileSync(conf, `include /etc/ld.so.conf.d/*.conf
${libDirs.join('\n')}
`);
  await run('/sbin/ldconfig', ['-X', '-C', cache, '-f', conf]);
  chmodSync(cache, 0o644);
  return cache;
}

/**
 * The command line that runs `argv` in a private mount (and host name) namespace with `binds` (source → target)
 * mounted over the real paths: for MTAs whose spool, chroot and helper paths are compiled in. Only that process
 * tree sees the mounts; they go away with it.
 */
export function inPrivateNamespace(dir: string, binds: Array<[string, string]>, hostname: string, argv: string[]): string[] {
  const script = path.join(dir, 'namespace.sh');
  writeFileSync(
    script,
    `# Runs "$@" with private copies of paths the MTA has compiled in (see test/env/mta/common.ts).
set -eu
${binds.map(([src, target]) => `mount --bind '${src}' '${target}'`).join('\n')}
hostname '${hostname}'
exec "$@"
`,
  );
  return ['unshare', '--mount', '--uts', '--propagation', 'private', '/bin/sh', script, ...argv];
}

/**
 * A shell script that stores one message (stdin) for the recipient given as $1 (or in $RECIPIENT) in `<maildirRoot>/<recipient>/`
 * (maildir layout: tmp/ then rename into new/), so that a reader can tell notices apart by the address they
 * were delivered to. The MTAs run it as their local delivery agent, as nobody.
 */
export function writeDeliverScript(file: string, maildirRoot: string): void {
  writeFileSync(
    file,
    `# $1 (or $RECIPIENT, which Exim's pipe transport sets): the envelope recipient.
# Writes stdin into ${maildirRoot}/<recipient>/new/ the way a maildir writer does.
set -eu
rcpt=$(printf '%s' "\${1:-\${RECIPIENT:-}}" | tr 'A-Z' 'a-z')
case "$rcpt" in
  */*|.*|'') echo "bad recipient $rcpt" >&2; exit 67;;
esac
dir='${maildirRoot}'/"$rcpt"
mkdir -p "$dir/tmp" "$dir/new" "$dir/cur"
f="$(date +%s).P$$R$(od -An -N4 -tx4 /dev/urandom | tr -d ' ').listkeeper"
cat > "$dir/tmp/$f"
mv "$dir/tmp/$f" "$dir/new/$f"
`,
  );
  chmodSync(file, 0o755);
}

export interface StoredNotice {
  /** The envelope recipient it was delivered to (lower case). */
  recipient: string;
  file: string;
  mtimeMs: number;
}

/** Every message stored under a maildir root by deliverScript or a maildir writer (`<root>/<recipient>/new/*`). */
export function storedNotices(maildirRoot: string): StoredNotice[] {
  if (!existsSync(maildirRoot)) return [];
  const out: StoredNotice[] = [];
  for (const recipient of readdirSync(maildirRoot)) {
    const dir = path.join(maildirRoot, recipient, 'new');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      const file = path.join(dir, f);
      out.push({ recipient: recipient.toLowerCase(), file, mtimeMs: statSync(file).mtimeMs });
    }
  }
  return out;
}

/** Makes a directory (and its parents) that the MTAs' unprivileged processes can traverse. */
export function makeDir(dir: string, mode = 0o755): string {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, mode);
  return dir;
}

/**
 * Starts an MTA that stays in the foreground (our child; SIGTERM stops it) and waits for its 220 greeting; `output`
 * gets its stdout and stderr.
 */
export async function startForeground(
  name: string,
  argv: string[],
  port: number,
  output: string,
): Promise<{ child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawnLogged(argv, output);
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await waitExit(child, 3000);
    await sleep(100);
  };
  try {
    await waitForGreeting(name, port, '220', child, output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { child, stop };
}

/** Spawns a long-running MTA process with its output appended to `logFile`; killed if this process exits. */
export function spawnLogged(argv: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = track(spawn(argv[0], argv.slice(1), { stdio: ['ignore', fd, fd], env }));
  closeSync(fd);
  return child;
}
