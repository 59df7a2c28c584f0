export { queueNotice, OWNER_NOTICE_TYPES, type QueueNoticeInput } from './queue.js';
