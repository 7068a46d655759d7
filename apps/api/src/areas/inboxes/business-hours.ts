import { DateTime } from 'luxon';

/**
 * Business hours: per weekday one opening span in the workspace's time zone (`{ mon: { open:
 * '09:00', close: '17:00' }, … }`; a day left out is closed). Null means always open.
 */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export type BusinessHours = Partial<Record<Weekday, { open: string; close: string }>>;

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The day's span as instants, or null when the day is closed. */
function spanOn(hours: BusinessHours, day: DateTime) {
  const span = hours[WEEKDAYS[day.weekday - 1]!];
  if (!span) return null;
  const start = day.startOf('day');
  // Built from wall-clock parts, so a day with a DST change still opens at the posted time.
  const at = (hhmm: string) => start.set({ hour: Math.floor(minutesOf(hhmm) / 60), minute: minutesOf(hhmm) % 60 });
  return { open: at(span.open), close: span.close === '24:00' ? start.plus({ days: 1 }) : at(span.close) };
}

export function isWithinBusinessHours(hours: BusinessHours | null, timeZone: string, at: Date): boolean {
  if (!hours) return true;
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  const span = spanOn(hours, local);
  return span !== null && local >= span.open && local < span.close;
}

/**
 * The instant `minutes` of business time after `from` (SLA targets counted in business hours
 * only). Null when the week has no open hour at all.
 */
export function addBusinessMinutes(hours: BusinessHours, timeZone: string, from: Date, minutes: number): Date | null {
  if (!WEEKDAYS.some((d) => hours[d])) return null;
  let remaining = minutes;
  let day = DateTime.fromJSDate(from, { zone: timeZone }).startOf('day');
  const start = DateTime.fromJSDate(from, { zone: timeZone });
  // A target of up to a year of business time; each loop is one calendar day.
  for (let i = 0; i < 3700; i++, day = day.plus({ days: 1 })) {
    const span = spanOn(hours, day);
    if (!span) continue;
    const begin = span.open > start ? span.open : start;
    if (begin >= span.close) continue;
    const available = span.close.diff(begin, 'minutes').minutes;
    if (remaining <= available) return begin.plus({ minutes: remaining }).toJSDate();
    remaining -= available;
  }
  return null;
}

/** When an SLA target falls due: wall-clock minutes, or business minutes when the policy says so. */
export function slaDueAt(policy: { minutes: number | null; businessHoursOnly: boolean; hours: BusinessHours | null; timeZone: string }, from: Date): Date | null {
  if (policy.minutes === null) return null;
  if (policy.businessHoursOnly && policy.hours) return addBusinessMinutes(policy.hours, policy.timeZone, from, policy.minutes);
  return new Date(from.getTime() + policy.minutes * 60_000);
}
