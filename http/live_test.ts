import assert from "node:assert/strict";
import { PowerHistory } from "./power_history.ts";
import { json, type Login, type TestStation, testStation } from "./testing.ts";

interface SseEvent {
  event: string;
  data: string;
}

/** Reads server-sent events from a response body. */
function sseReader(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    /** The next event, or null when the stream ended. */
    async next(timeoutMs = 3000): Promise<SseEvent | null> {
      const deadline = Date.now() + timeoutMs;
      while (!buffer.includes("\n\n")) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<"late">((r) =>
          timer = setTimeout(() => r("late"), deadline - Date.now())
        );
        const read = await Promise.race([reader.read(), late]);
        clearTimeout(timer);
        if (read === "late") throw new Error("No event in time");
        if (read.done) return null;
        buffer += read.value;
      }
      const end = buffer.indexOf("\n\n");
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const field = (name: string) =>
        block.split("\n").filter((l) => l.startsWith(`${name}: `)).map((l) =>
          l.slice(name.length + 2)
        )
          .join("\n");
      return { event: field("event"), data: field("data") };
    },
    cancel: () => reader.cancel(),
  };
}

async function openEvents(t: TestStation, as: Login) {
  const res = await t.request("/api/events", { as });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  return sseReader(res);
}

Deno.test("GET /api/status answers the snapshot; with an OCPP client its state too", async () => {
  await using t = await testStation();
  t.station.addStatus("ocpp", () => ({ state: "Connected" }));
  const body = await json(await t.request("/api/status"));
  assert.equal(body.serial, "24110001");
  assert.equal(body.connectors.length, 2);
  assert.deepEqual(body.ocpp, { state: "Connected" });
});

Deno.test("GET /api/events pushes the snapshot at once and on every change", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const events = await openEvents(t, admin);
  const first = await events.next();
  assert.equal(first?.event, "status");
  assert.equal(JSON.parse(first!.data).connectors[0].status, "Available");
  await t.request("/api/sim/connectors/1/plug", { method: "POST" });
  let status = "";
  while (status !== "Preparing") {
    const e = await events.next();
    assert.ok(e, "the stream goes on");
    status = JSON.parse(e.data).connectors[0].status;
  }
  await events.cancel();
});

Deno.test("GET /api/events sends at most one event per 200 ms; changes in between are merged", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const events = await openEvents(t, admin);
  await events.next();
  await t.request("/api/sim/connectors/1/plug", { method: "POST" });
  await events.next();
  const firstAt = performance.now();
  await t.request("/api/sim/connectors/2/plug", { method: "POST" });
  await t.request("/api/sim/connectors/2/unplug", { method: "POST" });
  await t.request("/api/sim/connectors/2/plug", { method: "POST" });
  const second = await events.next();
  assert.ok(performance.now() - firstAt >= 190, "the next change waited for its turn");
  assert.equal(JSON.parse(second!.data).connectors[1].status, "Preparing", "the latest state");
  await events.cancel();
});

Deno.test("GET /api/events repeats the status as keep-alive and ends when the session does", async () => {
  await using t = await testStation({ deps: { eventKeepAliveMs: 30 } });
  const admin = await t.login();
  const events = await openEvents(t, admin);
  await events.next();
  assert.equal((await events.next(1000))?.event, "status", "keep-alive without changes");
  t.webClock.advance(31 * 60_000);
  let ended = false;
  for (let i = 0; i < 5 && !ended; i++) ended = (await events.next(1000)) === null;
  assert.ok(ended, "an expired session's stream ends");

  const again = await t.login();
  const second = await openEvents(t, again);
  await second.next();
  await t.request("/api/logout", { method: "POST", as: again });
  let closed = false;
  for (let i = 0; i < 5 && !closed; i++) closed = (await second.next(1000)) === null;
  assert.ok(closed, "logout ends the stream");
});

Deno.test("GET /api/events ends cleanly when the app's lifetime ends", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const events = await openEvents(t, admin);
  await events.next();
  t.lifetime.abort();
  assert.equal(await events.next(), null);
});

Deno.test("GET /api/power-history answers 10 s steps per charge point and checks minutes", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const body = await json(await t.request("/api/power-history", { as: admin }));
  assert.equal(body.stepS, 10);
  assert.deepEqual(body.connectors.map((c: { id: number }) => c.id), [1, 2]);
  assert.equal(body.connectors[0].points[0][1], 0);
  const short = await json(await t.request("/api/power-history?minutes=5", { as: admin }));
  assert.equal(short.connectors.length, 2);
  for (const m of ["0", "61", "x", "1.5"]) {
    const res = await t.request(`/api/power-history?minutes=${m}`, { as: admin });
    assert.equal(res.status, 400, m);
    assert.equal((await json(res)).field, "minutes");
  }
});

Deno.test("PowerHistory keeps one averaged point per 10 s for the last hour", () => {
  const h = new PowerHistory({ connectors: 2 });
  const t0 = 1_700_000_000_000;
  h.record(1, t0, 1000);
  h.record(1, t0 + 4000, 3000);
  h.record(1, t0 + 10_000, 500);
  h.record(2, t0, 7);
  h.record(3, t0, 1);
  assert.deepEqual(h.points(1, t0 + 10_000), [[t0, 2000], [t0 + 10_000, 500]]);
  assert.deepEqual(h.points(2, t0 + 10_000), [[t0, 7]]);
  for (let s = 0; s <= 7200; s += 10) h.record(1, t0 + s * 1000, s);
  const points = h.points(1, t0 + 7_200_000);
  assert.equal(points.length, 360);
  assert.deepEqual(points[0], [t0 + 3_610_000, 3610]);
  assert.deepEqual(points.at(-1), [t0 + 7_200_000, 7200]);
  assert.equal(h.points(1, t0 + 7_200_000, 1).length, 6);
});

Deno.test("GET /api/events pushes meter changes of a charging session without effects", async () => {
  await using t = await testStation();
  const admin = await t.login();
  await t.request("/api/sim/connectors/1/plug", { method: "POST" });
  await t.request("/api/sim/rfid", { json: { idTag: "MASTERKEY" } });
  const events = await openEvents(t, admin);
  const energies: number[] = [];
  while (energies.length < 3 || energies.at(-1)! <= energies[0]!) {
    const e = await events.next(3000);
    assert.ok(e);
    energies.push(JSON.parse(e.data).connectors[0].energyWh);
  }
  assert.ok(energies.at(-1)! > energies[0]!, "energy rose between events");
  await events.cancel();
});
