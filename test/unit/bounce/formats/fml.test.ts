import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('fml', () => {
  formatTable('fml', [
    {
      name: 'fml refuses a post from a non-member',
      message: textNotice({
        from: 'club-admin@example.jp',
        subject: 'You news@lists.example.test are not member (club ML)',
        headers: { 'X-MLServer': 'fml [fml 4.0.3 release (20011202/4.0.3)]' },
        body: `You are not a member of this mailing list <club@example.jp>.

If you know the general guide of this list, please send mail with
the mail body
	guide
to the address
	club-ctl@example.jp`,
      }),
      kind: 'bounce',
      recipients: [['club@example.jp', 'rejected', 'blocked']],
    },
  ]);
});
