export { linkToken, linkUrl, verifyLink, LINK_LIFETIME_DAYS, LINK_PATH, type LinkAction, type LinkCheck } from './signed.js';
export { readUnsubscribeAddress, unsubscribeAddress, type UnsubscribeAddress, type UnsubscribeAddressOptions } from './unsubscribe-address.js';
