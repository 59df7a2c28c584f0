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
});
