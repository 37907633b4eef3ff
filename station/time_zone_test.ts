import assert from "node:assert/strict";
import { utcOffsetMs } from "./time_zone.ts";

Deno.test("utcOffsetMs() follows the zone and its daylight saving time", () => {
  const H = 3_600_000;
  assert.equal(utcOffsetMs("Europe/Berlin", Date.parse("2026-01-15T12:00:00Z")), H);
  assert.equal(utcOffsetMs("Europe/Berlin", Date.parse("2026-07-15T12:00:00Z")), 2 * H);
  assert.equal(utcOffsetMs("America/New_York", Date.parse("2026-01-15T12:00:00Z")), -5 * H);
  assert.equal(utcOffsetMs("Asia/Kolkata", Date.parse("2026-01-15T12:00:00Z")), 5.5 * H);
  assert.equal(utcOffsetMs("UTC", 0), 0);
  assert.equal(utcOffsetMs("No/Such_Zone", 0), 0);
});
