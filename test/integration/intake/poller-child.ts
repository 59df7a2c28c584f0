// A poller in its own process, for the crash test: with KILL_AT=after-commit it SIGKILLs itself right after
// its first batch committed, before the MOVE (no handler, no cleanup: a real crash). Otherwise one pass, exit 0.
import { loadConfig } from '../../../src/config.js';
import { MailboxPoller } from '../../../src/intake/poller.js';
import { createServices } from '../../../src/services.js';

const services = await createServices(loadConfig(), { migrate: false });
const poller = new MailboxPoller(services, services.config.imapMailboxes[0], {
  faults: {
    afterCommit: () => {
      if (process.env.KILL_AT === 'after-commit') process.kill(process.pid, 'SIGKILL');
    },
  },
});
const result = await poller.runOnce();
await poller.disconnect();
await services.close();
console.log(JSON.stringify(result));
