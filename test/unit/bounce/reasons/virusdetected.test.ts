import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('virusdetected', () => {
  reasonTable('virusdetected', [
    [null, '554 5.7.0 Your message was infected with a virus (Eicar-Test-Signature)'],
    [null, '552 5.7.0 This message was blocked because it has a potentially executable attachment'],
  ]);
});
