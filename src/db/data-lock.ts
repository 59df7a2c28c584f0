// One process at a time on an embedded database folder.
//
// PGlite is PostgreSQL compiled into this process: a second process opening the same folder does not become a
// second connection, it becomes a second server writing the same files, and one of them silently loses its
// writes. So the folder carries a lock file naming its owner (pid) and, once the owner serves HTTP, where to
// reach it: `npm run ingest` then hands its messages to the running server instead.
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { processAlive } from '../process-alive.js';

export interface LockOwner {
  pid: number;
  /** Base URL of the owner's HTTP server, once it listens. */
  url: string | null;
}

export class DataFolderInUseError extends Error {
  constructor(
    readonly lockFile: string,
    readonly owner: LockOwner,
  ) {
    super(
      `the embedded database is in use by another process (pid ${owner.pid}${owner.url ? `, serving ${owner.url}` : ''}); ` +
        `only one process can open it at a time (lock file ${lockFile})`,
    );
    this.name = 'DataFolderInUseError';
  }
}

export interface DataLock {
  readonly file: string;
  /** Records where this process serves HTTP, for the commands that talk to it. */
  advertise(url: string): void;
  release(): void;
}

export function readLockOwner(file: string): LockOwner | null {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    if (typeof data.pid !== 'number') return null;
    return { pid: data.pid, url: typeof data.url === 'string' ? data.url : null };
  } catch {
    return null;
  }
}

/** Takes the lock or throws DataFolderInUseError naming the live owner. A lock left by a dead process is taken over. */
export function acquireDataLock(file: string): DataLock {
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, url: null } satisfies LockOwner));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const owner = readLockOwner(file);
      if (owner && owner.pid !== process.pid && processAlive(owner.pid)) throw new DataFolderInUseError(file, owner);
      // Left by a process that died (kill -9, power loss): nobody holds the folder.
      unlinkSync(file);
    }
  }
  let held = true;
  const onExit = () => release();
  function release() {
    if (!held) return;
    held = false;
    process.off('exit', onExit);
    if (readLockOwner(file)?.pid === process.pid) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  }
  process.on('exit', onExit);
  return {
    file,
    advertise(url) {
      if (!held) return;
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ pid: process.pid, url } satisfies LockOwner), { mode: 0o600 });
      renameSync(tmp, file);
    },
    release,
  };
}
