import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('hasmoved', () => {
  reasonTable('hasmoved', [
    ['5.1.6', '550 5.1.6 recipient no longer on server: ann@icloud.example'],
    [null, '550 5.1.6 Destination mailbox has moved, no forwarding address'],
    [null, '551 User has moved; ann@example.org has been replaced by ann@example.net'],
  ]);
});
