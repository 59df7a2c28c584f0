// The message's form was refused: headers, MIME structure, encodings (RFC 3463 X.6.x media errors).
import type { ReasonRule } from './types.js';

export const contenterror: ReasonRule = {
  reason: 'contenterror',
  category: 'blocked',
  statuses: ['6.0', '6.1', '6.2', '6.3', '6.4', '6.5', '6.6', '6.7', '6.8', '6.9', '6.10'],
  phrases: [
    'header size exceeds',
    'headers too large',
    'header too long',
    'improper use of 8-bit data in message header',
    '8-bit data in header',
    'invalid mime',
    'mime complexity',
    'improperly-formatted binary content',
    'unnecessary base64 encoding',
    'invalid message content',
    'message content not available',
    'too many received: headers',
    'invalid characters',
  ],
};
