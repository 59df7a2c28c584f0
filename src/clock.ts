// The one source of "now" and "today". Pure code receives dates; only adapters hold a Clock.

import type { IsoDate } from './dates.js';

export type { IsoDate };
export { addDays, daysBetween } from './dates.js';

export interface Clock {
  now(): Date;
  /** Today's calendar date in the configured time zone. */
  today(): IsoDate;
}

export function dateInZone(instant: Date, timeZone: string): IsoDate {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    instant,
  );
}

export function systemClock(timeZone = 'UTC'): Clock {
  return { now: () => new Date(), today: () => dateInZone(new Date(), timeZone) };
}

/** A clock tests move by hand. */
export interface ManualClock extends Clock {
  set(instant: Date | string): void;
  advanceDays(days: number): void;
}

export function manualClock(start: Date | string = '2026-01-01T12:00:00Z', timeZone = 'UTC'): ManualClock {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    today: () => dateInZone(current, timeZone),
    set(instant) {
      current = new Date(instant);
    },
    advanceDays(days) {
      current = new Date(current.getTime() + days * 86_400_000);
    },
  };
}

