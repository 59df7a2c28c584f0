// Pure calendar arithmetic on ISO dates; shared by the pure cores and the adapters.

/** A calendar date, `YYYY-MM-DD`, in the server's configured time zone. */
export type IsoDate = string;

/** Calendar arithmetic on ISO dates (UTC-based, so no DST surprises). */
export function addDays(date: IsoDate, days: number): IsoDate {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
