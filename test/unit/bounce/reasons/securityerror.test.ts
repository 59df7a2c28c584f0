import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('securityerror', () => {
  reasonTable('securityerror', [
    [null, '530 5.7.0 Authentication required'],
    [null, '550 Unauthenticated senders not allowed'],
    ['5.7.1', '550 5.7.1 Delivery not authorized, message refused'],
    [null, '550 Please turn on SMTP Authentication in your mail client.'],
  ]);
});
