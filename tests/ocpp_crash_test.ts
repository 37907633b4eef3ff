/**
 * Crash test of the OCPP journal: SIGKILL the station at random points during sessions while
 * the backend is up, down, going down or coming back; restart on the same data directory and
 * go on. At the end the backend must hold, for every stored session, exactly one Start- and
 * one StopTransaction with its readings, its MeterValues in order between them, nothing
 * reordered, and no duplicate except a byte-identical retransmission across a kill.
 *
 * `LADEWERK_CRASH_ROUNDS` (default 52) and `LADEWERK_CRASH_SEED` replay a run; the seed is
 * printed.
 */
import assert from "node:assert/strict";
import { seededRandom } from "./helpers/random.ts";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { OcppBackend, type RecordedCall } from "./helpers/ocpp_backend.ts";
import { seedSettings } from "./helpers/seed.ts";
import { startStation, type StationProcess } from "./helpers/station_process.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

const ROUNDS = Number(Deno.env.get("LADEWERK_CRASH_ROUNDS") ?? 52);
const SEED = Number(Deno.env.get("LADEWERK_CRASH_SEED") ?? Math.floor(Math.random() * 2 ** 31));
const TX_ACTIONS = ["StartTransaction", "MeterValues", "StopTransaction"];
const iso = (ms: number) => new Date(ms).toISOString();

function readDb(dataDir: string, sql: string): Any[] {
  const db = new DatabaseSync(join(dataDir, "ladewerk.sqlite"), { readOnly: true });
  try {
    return db.prepare(sql).all().map((r) => ({ ...r }));
  } finally {
    db.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
}

/** The backend, able to go away and come back, counting the times it went away. */
class FlakyBackend {
  readonly backend = new OcppBackend();
  up = false;
  /** Incremented each time the backend goes away: connections of different epochs differ. */
  epoch = 0;
  /** `epochOf[i]`: the epoch in which `backend.calls[i]` arrived. */
  readonly epochOf: number[] = [];
  /** transactionId the backend gave each StartTransaction call. */
  readonly assigned = new Map<RecordedCall, number>();
  /** Called when a transaction message arrives, before it is answered. */
  onTransactionMessage: (() => void) | undefined;

  constructor() {
    const handlers = this.backend.handlers;
    for (const [action, answer] of Object.entries({ ...handlers })) {
      handlers[action] = (params, identity) => {
        this.epochOf[this.backend.calls.length - 1] = this.epoch;
        if (TX_ACTIONS.includes(action)) this.onTransactionMessage?.();
        const res = answer(params, identity);
        if (action === "StartTransaction") {
          this.assigned.set(this.backend.calls.at(-1)!, (res as Any).transactionId);
        }
        return res;
      };
    }
  }

  async setUp(up: boolean): Promise<void> {
    if (up === this.up) return;
    if (up) await this.backend.start();
    else {
      await this.backend.stop();
      this.epoch++;
    }
    this.up = up;
  }
}

async function startSession(st: StationProcess, connectorId: number, idTag: string) {
  await st.api(`/api/sim/connectors/${connectorId}/plug`, { json: {} });
  await st.api("/api/sim/rfid", { json: { idTag } });
  await st.waitFor((s: Any) => s.connectors[connectorId - 1].session?.idTag === idTag);
}

type Mode = "up" | "down" | "goesDown" | "comesBack";

interface Journal {
  /** Reason each session (by idTag) must have stopped with, as found on disk after its kill. */
  reasons: Map<string, string>;
  /** `marks[n]`: number of backend calls once lifetime n had been killed and was gone. */
  marks: number[];
  /** Lifetimes killed the moment a transaction message reached the backend. */
  targeted: Set<number>;
  modes: Record<Mode, number>;
}

/**
 * One lifetime of the station: maybe a whole session, then one killed at a random point, or
 * (one in five) killed within 0-4 ms of the backend receiving a transaction message, before
 * or just after the station can store the answer.
 */
async function lifetime(
  round: number,
  dataDir: string,
  flaky: FlakyBackend,
  rnd: () => number,
  journal: Journal,
): Promise<void> {
  const r = rnd();
  const mode: Mode = r < 0.35 ? "up" : r < 0.6 ? "down" : r < 0.8 ? "goesDown" : "comesBack";
  journal.modes[mode]++;
  await flaky.setUp(mode === "up" || mode === "goesDown");
  const st = await startStation({ dataDir, args: ["--ocpp-url", flaky.backend.url] });
  let killedOnReceipt = false;
  const running: string[] = [];
  if (rnd() < 0.2) {
    const delayMs = rnd() < 0.5 ? 0 : rnd() * 4;
    flaky.onTransactionMessage = () => {
      flaky.onTransactionMessage = undefined;
      killedOnReceipt = true;
      journal.targeted.add(journal.marks.length);
      if (delayMs === 0) st.kill("SIGKILL");
      else setTimeout(() => st.kill("SIGKILL"), delayMs);
    };
  }
  try {
    if (flaky.up && rnd() < 0.5) {
      await st.waitFor((s: Any) => s.ocpp.registration === "Accepted", { timeoutMs: 15_000 });
    }
    const connectorId = 1 + Math.floor(rnd() * 2);
    const other = 3 - connectorId;
    if (rnd() < 0.4) {
      await startSession(st, other, `R${round}-W`);
      await sleep(300 + rnd() * 1700);
      await st.api(`/api/sim/connectors/${other}/unplug`, { json: {} });
      await st.waitFor((s: Any) => s.connectors[other - 1].session === null);
    }
    if (rnd() < 0.1) {
      // Killed while it delivers what earlier lifetimes owe, no session of its own (a
      // waiting session of this lifetime is journaled below all the same).
      await sleep(rnd() * 1500);
    } else {
      await startSession(st, connectorId, `R${round}-K`);
      running.push(`R${round}-K`);
      if (rnd() < 0.3) {
        await startSession(st, other, `R${round}-B`);
        running.push(`R${round}-B`);
      }
      const killAtMs = rnd() * 3000;
      if (mode === "goesDown" || mode === "comesBack") {
        const switchAtMs = rnd() * killAtMs;
        await sleep(switchAtMs);
        await flaky.setUp(mode === "comesBack");
        await sleep(killAtMs - switchAtMs);
      } else {
        await sleep(killAtMs);
      }
    }
  } catch (e) {
    // A station killed on receipt fails whatever the round was doing with it.
    if (!killedOnReceipt) throw e;
  } finally {
    flaky.onTransactionMessage = undefined;
    st.kill("SIGKILL");
    await st.exited;
    await st[Symbol.asyncDispose]();
    // Everything the killed process sent has arrived once the backend saw its sockets close.
    await until(() => flaky.backend.clients.size === 0, "the killed station's sockets closed");
    await sleep(20);
    journal.marks.push(flaky.backend.calls.length);
  }
  // What the kill left: open sessions must end as PowerLoss, closed ones keep their reason.
  for (const s of readDb(dataDir, "SELECT * FROM sessions")) {
    if (journal.reasons.has(s.id_tag)) continue;
    if (s.stopped_at !== null) assert.equal(s.stop_reason, "EVDisconnected", s.id_tag);
    journal.reasons.set(s.id_tag, s.stopped_at === null ? "PowerLoss" : s.stop_reason);
  }
  for (const tag of running) {
    assert.equal(journal.reasons.get(tag), "PowerLoss", `${tag} ran at the kill: still open`);
  }
}

interface Verdict {
  /** Byte-identical copies with a kill between, by action. */
  retransmissions: Record<string, number>;
  /** Of those, copies of a message whose lifetime was killed on its receipt. */
  onReceipt: number;
  afterConnectionLoss: number;
}

/** Checks the backend's record against the station's stored sessions and outbox. */
function check(dataDir: string, flaky: FlakyBackend, journal: Journal): Verdict {
  const calls = flaky.backend.calls;
  const lifetimeOf = (i: number) => journal.marks.filter((m) => m <= i).length;
  const indexOf = new Map(calls.map((c, i) => [c, i]));
  const tx = calls.filter((c) => TX_ACTIONS.includes(c.action));
  assert.deepEqual(flaky.backend.problems, [], "every message passed strict validation");

  // Duplicates: only byte-identical copies with a kill (or the backend's own loss) between.
  const verdict: Verdict = {
    retransmissions: { StartTransaction: 0, MeterValues: 0, StopTransaction: 0 },
    onReceipt: 0,
    afterConnectionLoss: 0,
  };
  const copies = new Map<string, RecordedCall[]>();
  for (const c of tx) {
    const key = `${c.action} ${JSON.stringify(c.params)}`;
    copies.set(key, [...copies.get(key) ?? [], c]);
  }
  for (const [key, list] of copies) {
    for (let k = 1; k < list.length; k++) {
      const a = indexOf.get(list[k - 1]!)!;
      const b = indexOf.get(list[k]!)!;
      if (lifetimeOf(a) < lifetimeOf(b)) {
        verdict.retransmissions[list[k]!.action]!++;
        if (journal.targeted.has(lifetimeOf(a))) verdict.onReceipt++;
      } else if (flaky.epochOf[a]! < flaky.epochOf[b]!) verdict.afterConnectionLoss++;
      else assert.fail(`Sent twice without a kill or connection loss between: ${key}`);
    }
  }
  const first = (c: RecordedCall) => copies.get(`${c.action} ${JSON.stringify(c.params)}`)![0]!;
  const unique = tx.filter((c) => first(c) === c);

  const rows = readDb(dataDir, "SELECT * FROM sessions ORDER BY id");
  const outbox = readDb(dataDir, "SELECT * FROM ocpp_outbox ORDER BY id");
  assert.equal(rows.length, journal.reasons.size, "one stored session per session started");
  const byTx = new Map<number, Any>();
  for (const s of rows) {
    const what = `session ${s.id} (${s.id_tag})`;
    assert.equal(s.stop_reason, journal.reasons.get(s.id_tag), `${what}: stop reason`);
    assert.equal(s.ocpp_start, "done", `${what}: StartTransaction settled`);
    assert.equal(s.ocpp_stop, "done", `${what}: StopTransaction settled`);
    assert.ok(s.meter_stop_wh >= s.meter_start_wh, `${what}: meterStop ≥ meterStart`);
    assert.ok(!byTx.has(s.transaction_id), `${what}: a transactionId of its own`);
    byTx.set(s.transaction_id, s);

    const starts = unique.filter((c) =>
      c.action === "StartTransaction" && c.params.idTag === s.id_tag
    );
    assert.equal(starts.length, 1, `${what}: one StartTransaction`);
    assert.deepEqual(starts[0]!.params, {
      connectorId: s.connector_id,
      idTag: s.id_tag,
      meterStart: s.meter_start_wh,
      timestamp: iso(s.started_at),
    }, `${what}: StartTransaction readings`);
    const startCopies = copies.get(`StartTransaction ${JSON.stringify(starts[0]!.params)}`)!;
    const answered = startCopies.at(-1)!;
    assert.equal(
      s.transaction_id,
      flaky.assigned.get(answered),
      `${what}: keeps the id the backend gave its last StartTransaction`,
    );

    const stops = unique.filter((c) =>
      c.action === "StopTransaction" && c.params.transactionId === s.transaction_id
    );
    assert.equal(stops.length, 1, `${what}: one StopTransaction`);
    assert.deepEqual(stops[0]!.params, {
      transactionId: s.transaction_id,
      meterStop: s.meter_stop_wh,
      timestamp: iso(s.stopped_at),
      reason: s.stop_reason,
    }, `${what}: StopTransaction readings and reason`);

    const mvs = unique.filter((c) =>
      c.action === "MeterValues" && c.params.transactionId === s.transaction_id
    );
    const stored = outbox.filter((o) => o.session_id === s.id);
    assert.ok(stored.every((o) => o.done_at !== null), `${what}: every MeterValues settled`);
    assert.deepEqual(
      mvs.map((c) => c.params),
      stored.map((o) => ({ ...JSON.parse(o.payload), transactionId: s.transaction_id })),
      `${what}: every stored MeterValues delivered, in order`,
    );
    const startAt = indexOf.get(answered)!;
    const stopAt = indexOf.get(stops[0]!)!;
    let lastMs = s.started_at;
    for (const c of mvs) {
      const mv = (c.params.meterValue as Any)[0];
      const atMs = Date.parse(mv.timestamp);
      assert.ok(atMs >= lastMs, `${what}: MeterValues in time order`);
      assert.ok(atMs <= s.stopped_at, `${what}: MeterValues at ${mv.timestamp} before its stop`);
      lastMs = atMs;
      const energy = mv.sampledValue.find((v: Any) =>
        v.measurand === "Energy.Active.Import.Register"
      );
      const wh = Number(energy.value);
      assert.ok(
        wh >= s.meter_start_wh && wh <= s.meter_stop_wh,
        `${what}: MeterValues ${wh} Wh between meterStart ${s.meter_start_wh} and meterStop ` +
          `${s.meter_stop_wh}`,
      );
      for (const copy of copies.get(`MeterValues ${JSON.stringify(c.params)}`)!) {
        const at = indexOf.get(copy)!;
        assert.ok(at > startAt && at < stopAt, `${what}: MeterValues between Start and Stop`);
      }
    }
  }
  const ids = new Set(rows.map((s) => s.transaction_id));
  for (const c of tx.filter((c) => c.action !== "StartTransaction")) {
    assert.ok(ids.has(c.params.transactionId), `${c.action} of a known transaction`);
  }

  // Across the journal: StartTransactions in the order sessions started; per charge point,
  // each session's Stop before the next session's Start.
  assert.deepEqual(
    unique.filter((c) => c.action === "StartTransaction").map((c) => c.params.idTag),
    rows.map((s) => s.id_tag),
    "StartTransactions in the order the sessions started",
  );
  for (const connectorId of [1, 2]) {
    const mine = rows.filter((s) => s.connector_id === connectorId);
    const order = unique.filter((c) =>
      c.action === "StartTransaction"
        ? c.params.connectorId === connectorId
        : c.action === "StopTransaction" &&
          byTx.get(c.params.transactionId as number)?.connector_id === connectorId
    ).map((c) =>
      c.action === "StartTransaction"
        ? `start ${c.params.idTag}`
        : `stop ${byTx.get(c.params.transactionId as number).id_tag}`
    );
    assert.deepEqual(
      order,
      mine.flatMap((s) => [`start ${s.id_tag}`, `stop ${s.id_tag}`]),
      `charge point ${connectorId}: Start, Stop, Start, Stop ... in session order`,
    );
  }
  return verdict;
}

Deno.test(`SIGKILL at ${ROUNDS} random points of sessions, backend up, down, going and coming: every session reaches the backend once, in order, PowerLoss for the killed ones`, async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-ocpp-crash-" });
  const flaky = new FlakyBackend();
  const rnd = seededRandom(SEED);
  const journal: Journal = {
    reasons: new Map(),
    marks: [],
    targeted: new Set(),
    modes: { up: 0, down: 0, goesDown: 0, comesBack: 0 },
  };
  const startedMs = Date.now();
  console.log(`ocpp crash test: seed ${SEED} (LADEWERK_CRASH_SEED), ${ROUNDS} kill points`);
  try {
    await flaky.setUp(true);
    await seedSettings(dataDir, {
      "auth.identification": "anyCard",
      "meter.storeIntervalS": 1,
      "ocpp.meterValueSampleIntervalS": 1,
      "ocpp.transactionMessageRetryIntervalS": 1,
    });
    for (let round = 1; round <= ROUNDS; round++) {
      await lifetime(round, dataDir, flaky, rnd, journal);
    }

    await flaky.setUp(true);
    const st = await startStation({ dataDir, args: ["--ocpp-url", flaky.backend.url] });
    try {
      await st.waitFor(
        (s: Any) => s.ocpp.registration === "Accepted" && s.ocpp.queue === 0,
        { timeoutMs: 90_000 },
      );
    } finally {
      assert.equal((await st.stop()).code, 0);
      await st[Symbol.asyncDispose]();
    }
    const verdict = check(dataDir, flaky, journal);
    const tx = flaky.backend.calls.filter((c) => TX_ACTIONS.includes(c.action)).length;
    console.log(
      `ocpp crash test: ${journal.marks.length} kills (modes ${JSON.stringify(journal.modes)}), ` +
        `${journal.reasons.size} sessions, ${tx} transaction messages received, ` +
        `retransmissions across a kill ${JSON.stringify(verdict.retransmissions)} ` +
        `(${verdict.onReceipt} after the ${journal.targeted.size} kills on receipt), ` +
        `after a connection loss ${verdict.afterConnectionLoss}, ` +
        `${((Date.now() - startedMs) / 1000).toFixed(0)} s`,
    );
    assert.ok(journal.marks.length >= Math.min(ROUNDS, 50));
  } finally {
    await flaky.setUp(false);
    await Deno.remove(dataDir, { recursive: true });
  }
});
