import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('mfilter', () => {
  formatTable('mfilter', [
    {
      name: 'm-FILTER: the server message and the SMTP command it answered (DATA)',
      message: textNotice({
        from: 'POSTMASTER <postmaster@example.co.jp>',
        subject: 'failure notice',
        body: `このメールは「m-FILTER」が自動的に生成して送信しています。
メールサーバーとの通信中、下記の理由により
このメールは送信できませんでした。

以下のメールアドレスへの送信に失敗しました。
ann@example.co.jp


-------server message
550 ann@example.co.jp... No such user

-------SMTP command
DATA

-------server message`,
      }),
      kind: 'bounce',
      recipients: [['ann@example.co.jp', 'filtered', 'soft']],
    },
  ]);
});
