// Whether a process id belongs to a running process, for files that record their writer's pid (the embedded
// database's lock, the outbox's temporaries).

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but is someone else's. Anything but "no such process" counts as alive: the safe side.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
