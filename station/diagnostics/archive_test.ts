import assert from "node:assert/strict";
import { join } from "node:path";
import { Settings } from "../settings/mod.ts";
import { openStore } from "../store/mod.ts";
import {
  buildDiagnosticsArchive,
  diagnosticsFileName,
  readTar,
  REDACTED,
  tarStream,
} from "./mod.ts";

async function gunzip(stream: ReadableStream<Uint8Array<ArrayBuffer>>): Promise<Uint8Array> {
  return new Uint8Array(
    await new Response(stream.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer(),
  );
}

Deno.test("tarStream() writes ustar that readTar() and the system tar read back", async () => {
  const big = new Uint8Array(1500).map((_, i) => i % 251);
  const long = `${"d".repeat(90)}/${"f".repeat(90)}.txt`;
  const bytes = new Uint8Array(
    await new Response(tarStream([
      { name: "a.txt", data: new TextEncoder().encode("hello\n"), mtimeMs: 1_700_000_000_000 },
      { name: "dir/big.bin", data: big },
      { name: "empty", data: new Uint8Array() },
      { name: long, data: new TextEncoder().encode("x") },
    ])).arrayBuffer(),
  );
  assert.equal(bytes.length % 512, 0);
  const files = readTar(bytes);
  assert.deepEqual(files.map((f) => f.name), ["a.txt", "dir/big.bin", "empty", long]);
  assert.equal(new TextDecoder().decode(files[0]!.data), "hello\n");
  assert.equal(files[0]!.mtimeMs, 1_700_000_000_000);
  assert.deepEqual(files[1]!.data, big);
  assert.equal(files[2]!.data.length, 0);

  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(join(dir, "t.tar"), bytes);
    const out = await new Deno.Command("tar", { args: ["-tvf", join(dir, "t.tar")] }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const listing = new TextDecoder().decode(out.stdout);
    assert.match(listing, /dir\/big\.bin/);
    assert.match(listing, /1500/);
    assert.ok(listing.includes(long));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readTar() refuses a header with a wrong checksum", () => {
  const broken = new Uint8Array(1024);
  broken.set(new TextEncoder().encode("name"), 0);
  assert.throws(() => readTar(broken), TypeError);
});

Deno.test("the diagnostics archive holds logs, redacted settings, the events of the range and system facts", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-diag-" });
  try {
    await using store = await openStore(dataDir);
    const { settings } = await Settings.open(store.settings, {
      serial: "24110001",
      connectors: 2,
      hardware: "sim",
      masterKey: "MASTERKEY",
    });
    await settings.set({
      "ocpp.authorizationKey": "TopSecretKey-1",
      "mobile.pin": "4711",
      "ocpp.url": "ws://backend.example/ocpp",
    });
    await store.events.append([
      { atMs: Date.parse("2026-01-01T00:00:00Z"), kind: "status", message: "old" },
      { atMs: Date.parse("2026-02-01T00:00:00Z"), kind: "session", message: "in, range" },
      {
        atMs: Date.parse("2026-02-02T00:00:00Z"),
        kind: "session",
        message: "Session 3 started for masterkey",
      },
      { atMs: Date.parse("2026-03-01T00:00:00Z"), kind: "status", message: "late" },
    ]);
    await Deno.mkdir(join(dataDir, "logs"));
    await Deno.writeTextFile(
      join(dataDir, "logs", "ladewerk.log"),
      "line 1\nline 2\nSession 3 started on charge point 1 for MASTERKEY\n",
    );
    await Deno.writeTextFile(join(dataDir, "logs", "ladewerk.log.1"), "older\n");

    const archive = buildDiagnosticsArchive({
      dataDir,
      settings,
      store,
      fromMs: Date.parse("2026-01-15T00:00:00Z"),
      toMs: Date.parse("2026-02-15T00:00:00Z"),
      system: { serial: "24110001" },
    });
    const files = readTar(await gunzip(archive));
    const byName = new Map(files.map((f) => [f.name, new TextDecoder().decode(f.data)]));
    assert.deepEqual([...byName.keys()], [
      "system.json",
      "settings.json",
      "events.csv",
      "audit.csv",
      "logs/ladewerk.log",
      "logs/ladewerk.log.1",
    ]);
    assert.equal(
      byName.get("logs/ladewerk.log"),
      `line 1\nline 2\nSession 3 started on charge point 1 for ${REDACTED}\n`,
    );
    const saved = JSON.parse(byName.get("settings.json")!);
    assert.equal(saved["ocpp.authorizationKey"], REDACTED);
    assert.equal(saved["mobile.pin"], REDACTED);
    assert.equal(saved["mobile.password"], "", "an unset secret shows empty");
    assert.equal(saved["ocpp.url"], "ws://backend.example/ocpp");
    const all = [...byName.values()].join("\n");
    assert.ok(!all.includes("TopSecretKey-1"), "no secret in the archive");
    assert.ok(!all.includes("4711"));
    assert.equal(saved["auth.masterKey"], REDACTED, "the master key is a secret here");
    assert.ok(!/(?<!auth\.)masterkey/i.test(all), "the master key's UID appears nowhere");
    const events = byName.get("events.csv")!.trim().split("\n");
    assert.equal(events.length, 3, "the header and the two events in range");
    assert.match(events[1]!, /"in, range"/);
    const system = JSON.parse(byName.get("system.json")!);
    assert.equal(system.serial, "24110001");
    assert.equal(system.from, "2026-01-15T00:00:00.000Z");
    assert.equal(typeof system.deno.deno, "string");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a data directory without logs still gives an archive, with problems.txt", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-diag-" });
  try {
    await using store = await openStore(dataDir);
    const { settings } = await Settings.open(store.settings, {
      serial: "1",
      connectors: 1,
      hardware: "sim",
      masterKey: "M",
    });
    const files = readTar(await gunzip(buildDiagnosticsArchive({ dataDir, settings, store })));
    assert.deepEqual(files.map((f) => f.name), [
      "system.json",
      "settings.json",
      "events.csv",
      "audit.csv",
      "problems.txt",
    ]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("diagnosticsFileName() names serial and UTC time", () => {
  assert.equal(
    diagnosticsFileName("24110001", Date.parse("2026-11-24T08:00:05.123Z")),
    "ladewerk-diagnostics-24110001-20261124T080005Z.tar.gz",
  );
});
