import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('mailererror', () => {
  reasonTable('mailererror', [
    [null, 'Command died with status 75: "/usr/bin/procmail". Command output: lockfile error'],
    [null, 'x-unix; pipe to |/usr/local/bin/filter failed'],
    [null, 'procmail: Couldn\'t create "/var/spool/mail/ann"'],
  ]);
});
