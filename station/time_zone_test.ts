import assert from "node:assert/strict";
import { isTimeZone, utcOffsetMs } from "./time_zone.ts";

Deno.test("utcOffsetMs() follows the zone and its daylight saving time", () => {
  const H = 3_600_000;
  assert.equal(utcOffsetMs("Europe/Berlin", Date.parse("2026-01-15T12:00:00Z")), H);
  assert.equal(utcOffsetMs("Europe/Berlin", Date.parse("2026-07-15T12:00:00Z")), 2 * H);
  assert.equal(utcOffsetMs("America/New_York", Date.parse("2026-01-15T12:00:00Z")), -5 * H);
  assert.equal(utcOffsetMs("Asia/Kolkata", Date.parse("2026-01-15T12:00:00Z")), 5.5 * H);
  assert.equal(utcOffsetMs("UTC", 0), 0);
  assert.equal(utcOffsetMs("No/Such_Zone", 0), 0);
});

Deno.test("isTimeZone() takes IANA zones, their aliases and fixed offsets, in any case", () => {
  for (const tz of ["Europe/Berlin", "UTC", "GMT", "Europe/Kiev", "Asia/Calcutta", "Etc/GMT+1"]) {
    assert.ok(isTimeZone(tz), tz);
  }
  assert.ok(isTimeZone("+01:00"));
  assert.ok(isTimeZone("europe/berlin"));
  for (const tz of ["Mars/Olympus", "", "Europe/", "+25:00", "Berlin"]) {
    assert.ok(!isTimeZone(tz), tz);
  }
  // An alias has its zone's offsets; a fixed offset has its own.
  assert.equal(utcOffsetMs("Asia/Calcutta", 0), utcOffsetMs("Asia/Kolkata", 0));
  assert.equal(utcOffsetMs("-03:30", Date.parse("2026-07-15T12:00:00Z")), -3.5 * 3_600_000);
});
