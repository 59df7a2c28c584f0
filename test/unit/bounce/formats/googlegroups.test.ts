import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('googlegroups', () => {
  formatTable('googlegroups', [
    {
      name: 'a group that may not exist or does not take our posts',
      message: textNotice({
        from: 'Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
        subject: 'Delivery Status Notification (Failure)',
        headers: { 'X-Failed-Recipients': 'team@googlegroups.example' },
        body: `Hello news@lists.example.test,

We're writing to let you know that the group you tried to contact (team) may not exist, or you may not have permission to post messages to the group. A few more details on why you weren't able to post:

 * You might have spelled or formatted the group name incorrectly.
 * The owner of the group may have removed this group.

If you have questions related to this or any other Google Group, visit the Help Center at https://groups.google.com/support/.

Thanks,

Google Groups`,
      }),
      kind: 'bounce',
      recipients: [['team@googlegroups.example', 'rejected', 'blocked']],
    },
  ]);
});
