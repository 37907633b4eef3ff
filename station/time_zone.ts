/**
 * Local time of the station's time zone (setting `time.zone`) without a time zone database of
 * our own: the runtime's Intl knows the IANA zones.
 * @module
 */

const formats = new Map<string, Intl.DateTimeFormat>();

/** Offset of local time in `timeZone` from UTC at `atMs`, in ms (Berlin in winter: 3 600 000). */
export function utcOffsetMs(timeZone: string, atMs: number): number {
  let f = formats.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" });
    } catch {
      return 0;
    }
    formats.set(timeZone, f);
  }
  const name = f.formatToParts(atMs).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!m) return 0;
  const ms = (Number(m[2]) * 60 + Number(m[3])) * 60_000;
  return m[1] === "-" ? -ms : ms;
}
