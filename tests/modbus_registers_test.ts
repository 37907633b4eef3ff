/**
 * System test of the register map: a real station (core, store, simulated hardware) with its
 * Modbus server on a loopback port, read by modbus-serial's client and Debian's `mbpoll`, every
 * register checked against the status the HTTP API shows.
 */
import assert from "node:assert/strict";
import { numericSerial, STATUS_CODES } from "../station/modbus/mod.ts";
import { wordsToString, wordsToU32, wordsToU64 } from "../station/modbus/encoding.ts";
import {
  closeClient,
  connectClient,
  type Json,
  mbpoll,
  type ModbusClient,
  type ModbusStation,
  modbusStation,
} from "./helpers/modbus_station.ts";

const BASES = [0x1000, 0x2000];
/** Beyond 2^32 Wh: register B+24-27 needs all four words. */
const BIG_ENERGY_WH = 5_000_000_000.7;

/** Every address of the map of a two-point station, one register each. */
const ADDRESSES = [
  ...Array.from({ length: 13 }, (_, i) => i),
  ...BASES.flatMap((b) => [
    ...Array.from({ length: 28 }, (_, i) => b + i),
    ...[256, 257, 258, 259].map((r) => b + r),
  ]),
];

type Fc = "holding" | "input";

async function read(client: ModbusClient, fc: Fc, address: number, count: number) {
  const answer = fc === "holding"
    ? await client.readHoldingRegisters(address, count)
    : await client.readInputRegisters(address, count);
  return answer.data;
}

/** The whole map in block reads: station block, then per point B..B+27 and B+256..B+259. */
async function readMap(client: ModbusClient, fc: Fc): Promise<Map<number, number>> {
  const words = new Map<number, number>();
  const put = (address: number, data: number[]) =>
    data.forEach((w, i) => words.set(address + i, w));
  put(0, await read(client, fc, 0, 13));
  for (const b of BASES) {
    put(b, await read(client, fc, b, 28));
    put(b + 256, await read(client, fc, b + 256, 4));
  }
  return words;
}

/** The status without what moves by itself (clock, uptime). */
const still = (s: Json) => JSON.stringify({ ...s, time: 0, uptimeS: 0 });

/** Reads `readAll` between two equal statuses (a meter tick in between: again). */
async function consistent<T>(t: ModbusStation, readAll: () => Promise<T>) {
  for (let attempt = 0; attempt < 10; attempt++) {
    const before = await t.status();
    const words = await readAll();
    if (still(await t.status()) === still(before)) return { status: before, words };
  }
  throw new Error("The station never held still for one read of the map");
}

function checkAgainstStatus(t: ModbusStation, s: Json, w: Map<number, number>): void {
  const at = (a: number, n: number) => Array.from({ length: n }, (_, i) => w.get(a + i)!);
  assert.equal(wordsToString(at(0, 5)), s.vendor);
  assert.equal(s.vendor, "ladewerk");
  assert.deepEqual(at(5, 3), [0, 1, 2], "device type 0, layout 1.2");
  assert.equal(wordsToU32(at(8, 2)), Number(s.serial));
  assert.equal(w.get(10), 0);
  assert.equal(w.get(11), s.station.stationMaxCurrentMa);
  assert.equal(w.get(12), s.connectors.length);
  s.connectors.forEach((c: Json, i: number) => {
    const b = BASES[i]!;
    const reading = t.station.reading(c.id)!;
    const what = (r: string) => `charge point ${c.id} ${r}`;
    const serial = t.hardware.controllers[i]!.info().serial;
    assert.equal(wordsToU32(at(b, 2)), numericSerial(serial), what("serial"));
    assert.equal(w.get(b + 2), 0, what("Type 2"));
    assert.equal(w.get(b + 3), STATUS_CODES[c.status as keyof typeof STATUS_CODES], what(c.status));
    assert.equal(wordsToU64(at(b + 4, 4)), BigInt(Math.floor(Date.parse(c.statusSince) / 1000)));
    assert.deepEqual(at(b + 8, 3), [
      6000,
      Math.min(32_000, s.station.stationMaxCurrentMa),
      c.offeredMa,
    ]);
    assert.deepEqual(at(b + 11, 3), c.voltagesV.map((v: number) => Math.round(v * 10)), what("V"));
    assert.deepEqual(at(b + 14, 3), reading.phases.map((p) => Math.round(p.powerFactor * 1000)));
    assert.deepEqual(
      at(b + 17, 3),
      c.currentsA.map((a: number) => Math.round(a * 1000)),
      what("A"),
    );
    assert.deepEqual(at(b + 20, 3), reading.phases.map((p) => Math.round(p.powerW)), what("W"));
    assert.equal(w.get(b + 23), Math.round(c.powerW), what("total W"));
    const energyWh = Number(wordsToU64(at(b + 24, 4)));
    assert.ok(Math.abs(energyWh - c.energyWh) < 1, what(`${energyWh} Wh vs ${c.energyWh}`));
    assert.deepEqual(at(b + 256, 4), [10_000, at(b + 9, 1)[0], 0, 0], what("no set-point yet"));
  });
}

Deno.test("every register, read with FC3 and FC4, matches the status the API shows", async () => {
  await using t = await modbusStation({ initialEnergyWh: [BIG_ENERGY_WH, 12_345.4] });
  await t.charge(1, { phases: 3, maxCurrentA: 16 });
  await t.waitFor((s) => s.connectors[0].currentsA[0] === 16);
  const client = await t.client();
  const { status, words } = await consistent(t, async () => ({
    holding: await readMap(client, "holding"),
    input: await readMap(client, "input"),
  }));
  assert.equal(status.connectors[0].status, "Charging");
  assert.ok(status.connectors[0].energyWh > 2 ** 32, "the 64-bit energy needs its high words");
  checkAgainstStatus(t, status, words.holding);
  assert.deepEqual([...words.input], [...words.holding], "FC4 reads the same values");
  assert.equal(words.holding.get(0x1000 + 3), 3, "Charging");
  assert.equal(words.holding.get(0x2000 + 3), 1, "Available");
});

Deno.test("mbpoll reads and writes the same registers (1-based -r, holding and input)", async () => {
  await using t = await modbusStation();
  const client = await t.client();
  // mbpoll numbers registers from 1: -r 1 is address 0.
  const poll = (address: number, options: string[] = [], values: number[] = []) =>
    mbpoll(t.port, ["-a", "1", "-r", String(address + 1), ...options], values);
  const expect = (address: number, count: number) => read(client, "holding", address, count);
  assert.deepEqual(await poll(0, ["-c", "13"]), await expect(0, 13));
  assert.deepEqual(await poll(0, ["-t", "3", "-c", "13"]), await expect(0, 13));
  for (const b of BASES) {
    assert.deepEqual(await poll(b, ["-c", "28"]), await expect(b, 28));
    assert.deepEqual(await poll(b + 256, ["-t", "3", "-c", "4"]), await expect(b + 256, 4));
  }
  await poll(0x1000 + 257, [], [16_000]);
  await poll(0x1000 + 258, [], [9_000, 30]);
  assert.deepEqual(await expect(0x1000 + 256, 4), [10_000, 16_000, 9_000, 30]);
  assert.equal(t.station.settings.get("modbus.cp1.fallbackTimeoutS"), 30);
  assert.equal(t.station.state.connectors[0]!.limits.modbus, 16_000);
});

Deno.test("polling style 1: block reads and writes of 256..259 every cycle, kept or fresh connections", async () => {
  await using t = await modbusStation();
  await t.charge(1);
  const cycle = async (client: ModbusClient, setpointMa: number) => {
    const station = await read(client, "holding", 8, 5);
    assert.equal(wordsToU32(station.slice(0, 2)), 24110001);
    assert.deepEqual(station.slice(2), [0, 63_000, 2]);
    for (const b of BASES) {
      const [status] = await read(client, "holding", b + 3, 1);
      assert.ok(status === 1 || status === 3, `status ${status}`);
      const values = await read(client, "holding", b + 8, 16);
      assert.equal(values.length, 16);
      assert.equal(values[0], 6000);
      assert.equal((await read(client, "holding", b + 24, 4)).length, 4);
      await client.writeRegisters(b + 256, [10_000, setpointMa, 6_000, 60]);
    }
  };
  const kept = await t.client();
  for (const ma of [16_000, 12_000, 20_000]) await cycle(kept, ma);
  assert.equal((await t.status()).connectors[0].offeredMa, 20_000);
  for (const ma of [8_000, 10_000]) {
    const fresh = await connectClient(t.port);
    try {
      await cycle(fresh, ma);
    } finally {
      await closeClient(fresh);
    }
  }
  const s = await t.status();
  assert.deepEqual(s.connectors.map((c: Json) => c.limitsMa.modbus), [10_000, 10_000]);
  assert.equal(s.connectors[0].offeredMa, 10_000);
  assert.equal(s.connectors[1].offeredMa, 0, "no session on point 2: the limit waits");
});

Deno.test("polling style 2: every address one register at a time, kept or fresh connections", async () => {
  await using t = await modbusStation();
  const kept = await t.client();
  const { words } = await consistent(t, () => readMap(kept, "holding"));
  for (const fc of ["holding", "input"] as const) {
    for (const address of ADDRESSES) {
      assert.deepEqual(await read(kept, fc, address, 1), [words.get(address)], `${fc} ${address}`);
    }
  }
  for (const address of ADDRESSES) {
    const fresh = await connectClient(t.port);
    try {
      assert.deepEqual(
        await read(fresh, "holding", address, 1),
        [words.get(address)],
        `${address}`,
      );
    } finally {
      await closeClient(fresh);
    }
  }
  assert.equal(ADDRESSES.length, 77);
});
