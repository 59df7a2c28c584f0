import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('expired', () => {
  reasonTable('expired', [
    [null, 'retry timeout exceeded'],
    [null, 'retry time not reached for any host after a long failure period'],
    [null, 'I\'m not going to try again; this message has been in the queue too long.'],
    ['4.4.7', '550 4.4.7 QUEUE.Expired; message expired'],
    [null, 'Message could not be delivered for 5 days'],
    [null, 'Envelope expired'],
    // A temporary failure that became final, with nothing more specific: the sender gave up.
    ['4.4.1', 'connect to mx.example.org[192.0.2.7]:25: Connection timed out'],
  ]);
});
