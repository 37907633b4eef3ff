/**
 * Local time of the station's time zone (setting `time.zone`) without a time zone database of
 * our own: the runtime's Temporal knows the IANA zones, their aliases and fixed offsets.
 *
 * Not `Intl.DateTimeFormat`: the first formatter a process makes loads ICU's locale, calendar
 * and pattern data, 6.5 MiB of RSS for its whole life (measured on Deno 2.9.5), where Temporal's
 * zone arithmetic costs 2 MiB; the station needs offsets, not formatted dates.
 * @module
 */

function zoned(timeZone: string, atMs: number): Temporal.ZonedDateTime {
  return Temporal.Instant.fromEpochMilliseconds(atMs).toZonedDateTimeISO(timeZone);
}

/** Whether `timeZone` names a zone: IANA, an alias of one, or a fixed offset like `+01:00`. */
export function isTimeZone(timeZone: string): boolean {
  try {
    zoned(timeZone, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Offset of local time in `timeZone` from UTC at `atMs`, in ms (Berlin in winter: 3 600 000);
 * 0 for a zone that does not exist.
 */
export function utcOffsetMs(timeZone: string, atMs: number): number {
  try {
    return zoned(timeZone, atMs).offsetNanoseconds / 1e6;
  } catch {
    return 0;
  }
}
