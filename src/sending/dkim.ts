// DKIM keys per sending domain (nodemailer signs). Keys come from config.dkimKeys; none = unsigned.
import { readFileSync } from 'node:fs';

export interface DkimKey {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

export interface DkimKeyConfig {
  domain: string;
  selector: string;
  /** PEM text, or a path to a PEM file. */
  privateKey: string;
}

/** A lookup by the From domain of a message. */
export function dkimLookup(keys: readonly DkimKeyConfig[]): (fromDomain: string) => DkimKey | null {
  const byDomain = new Map<string, DkimKey>();
  for (const k of keys) {
    const pem = k.privateKey.includes('-----BEGIN') ? k.privateKey : readFileSync(k.privateKey, 'utf8');
    byDomain.set(k.domain.toLowerCase(), { domainName: k.domain.toLowerCase(), keySelector: k.selector, privateKey: pem });
  }
  return (fromDomain) => byDomain.get(fromDomain.toLowerCase()) ?? null;
}
