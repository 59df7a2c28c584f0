import { describe, expect, test } from 'vitest';
import { ensureDebianPackages, installCommand, missingPackages } from '../../env/services.js';

describe('Debian packages the harness needs', () => {
  test('all four are present on this machine (or were installed by the setup)', () => {
    expect(missingPackages({ needPostgres: true })).toEqual([]);
  });

  test('when one is missing and installing is not possible, the setup fails with the exact command', async () => {
    const packages = [
      { pkg: 'dovecot-imapd', present: () => true },
      { pkg: 'postfix', present: () => false },
      { pkg: 'postgresql', present: () => false },
      { pkg: 'chromium', present: () => false },
    ];
    await expect(ensureDebianPackages({ needPostgres: true, log: () => {}, packages, canInstall: false })).rejects.toThrow(
      'sudo apt-get update && sudo apt-get install -y postfix postgresql chromium',
    );
    // PostgreSQL is not needed when DATABASE_URL (or 127.0.0.1:5432) answers.
    expect(missingPackages({ needPostgres: false, packages })).toEqual(['postfix', 'chromium']);
    expect(installCommand(['postfix'])).toBe('sudo apt-get update && sudo apt-get install -y postfix');
  });

  test('a benchmark asks only for what it uses, and says which command needs it', async () => {
    const packages = [
      { pkg: 'dovecot-imapd', present: () => false },
      { pkg: 'postfix', present: () => false },
      { pkg: 'postgresql', present: () => true },
      { pkg: 'chromium', present: () => false },
    ];
    const run = ensureDebianPackages({ needPostgres: true, log: () => {}, packages, canInstall: false, only: ['dovecot-imapd', 'postgresql'], command: 'npm run bench:intake' });
    await expect(run).rejects.toThrow(
      'npm run bench:intake needs these Debian packages, which are missing: dovecot-imapd.\nInstall them with:\n  sudo apt-get update && sudo apt-get install -y dovecot-imapd\nthen run npm run bench:intake again.',
    );
  });
});
