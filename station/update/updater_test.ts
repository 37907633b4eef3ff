import assert from "node:assert/strict";
import { join } from "node:path";
import { testStation } from "../../http/testing.ts";
import { markActive } from "./boot_env.ts";
import { FileSlots, RAUC_DIR, readBootEnv, writeBootEnv } from "./file_slots.ts";
import { InstallError } from "./port.ts";
import { updateKit } from "./testing.ts";
import { Updater } from "./updater.ts";

/** A station whose data directory holds a pending install of 0.2.0 into slot B. */
async function pendingB() {
  const t = await testStation({ connectors: 1 });
  const root = join(t.dataDir, RAUC_DIR);
  await Deno.mkdir(join(root, "slots", "B", "bin"), { recursive: true });
  await Deno.writeTextFile(join(root, "slots", "B", "bin", "ladewerk.js"), "");
  await Deno.writeTextFile(
    join(root, "slots", "B", "slot.json"),
    JSON.stringify({ version: "0.2.0", installedAtMs: 1 }),
  );
  const env = markActive(
    (await readBootEnv(root)) ?? { order: ["A", "B"], left: { A: 3, B: 3 } },
    "B",
  );
  await writeBootEnv(root, { ...env, left: { ...env.left, B: 2 } }); // one boot counted
  await Deno.mkdir(join(t.dataDir, "update"), { recursive: true });
  await Deno.writeTextFile(
    join(t.dataDir, "update", "state.json"),
    JSON.stringify({
      pending: {
        version: "0.2.0",
        fromVersion: "0.1.0",
        slot: "B",
        fromSlot: "A",
        source: "ocpp",
        atMs: 1,
        failures: [],
      },
    }),
  );
  const reboots: number[] = [];
  const updater = (booted: "A" | "B") =>
    new Updater({
      port: new FileSlots({ root, booted, factoryVersion: "0.1.0", nowMs: Date.now }),
      station: t.station,
      dataDir: t.dataDir,
      version: booted === "B" ? "0.2.0" : "0.1.0",
      reboot: () => reboots.push(1),
      nowMs: Date.now,
      healthTimeoutMs: 300,
      pollMs: 50,
    });
  return { t, root, reboots, updater };
}

Deno.test("updater: a new slot failing its health checks records why and reboots, without marking good", async () => {
  const { t, root, reboots, updater } = await pendingB();
  await using _ = t;
  const u = updater("B");
  await u.start();
  assert.equal(u.status().phase, "confirming");
  let checks = 0;
  await u.confirm(
    () => {
      checks++;
      return Promise.resolve("HTTP does not answer");
    },
    new AbortController().signal,
  );
  assert.ok(checks >= 3, "checked until the timeout");
  assert.deepEqual(reboots, [1]);
  assert.equal((await readBootEnv(root))!.left.B, 2, "not marked good");
  const record = JSON.parse(await Deno.readTextFile(join(t.dataDir, "update", "state.json")));
  assert.deepEqual(record.pending.failures, ["HTTP does not answer"]);

  // The boot counter gave up on B: slot A boots and says why it rolled back.
  const back = updater("A");
  await back.start();
  assert.equal(await back.ocppOutcome(), "InstallationFailed");
  const last = back.status().last!;
  assert.equal(last.outcome, "rolledBack");
  assert.match(last.reason!, /Version 0\.2\.0 in slot B failed 1 boot\(s\): HTTP does not answer/);
  assert.equal((await readBootEnv(root))!.left.B, 0, "B is not tried again");
  const events = await t.store.events.list({ kind: "update" });
  assert.deepEqual(events.map((e) => e.code).sort(), [
    "UpdateHealthCheckFailed",
    "UpdateRolledBack",
  ]);
});

Deno.test("updater: a new slot passing its checks is marked good and Installed goes to OCPP", async () => {
  const { t, root, reboots, updater } = await pendingB();
  await using _ = t;
  const u = updater("B");
  await u.start();
  let n = 0;
  await u.confirm(
    () => Promise.resolve(++n < 3 ? "HTTP is not serving yet" : undefined),
    new AbortController().signal,
  );
  assert.deepEqual(reboots, []);
  assert.equal((await readBootEnv(root))!.left.B, 3, "marked good");
  assert.equal(await u.ocppOutcome(), "Installed");
  assert.equal(u.status().last!.outcome, "installed");
  assert.equal(u.status().phase, "idle");
});

Deno.test("file slots: a full data partition refuses the install and leaves the boot state alone", async () => {
  await using kit = await updateKit();
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-slots-" });
  try {
    const root = join(dir, RAUC_DIR);
    const slots = new FileSlots({
      root,
      booted: "A",
      factoryVersion: "0.1.0",
      nowMs: Date.now,
      reserveBytes: Number.MAX_SAFE_INTEGER / 2,
    });
    const payload = await kit.payload({ version: "0.2.0" });
    await Deno.mkdir(join(dir, "x"));
    await Deno.copyFile(payload, join(dir, "x", "app.tar"));
    const e = await slots.install(
      { path: "", info: { compatible: "ladewerk-sim", version: "0.2.0", dir: join(dir, "x") } },
      () => {},
    ).catch((e) => e);
    assert.ok(e instanceof InstallError && e.code === "no_space", String(e));
    assert.equal(await readBootEnv(root), undefined, "nothing written");

    // With room, a payload without the program is refused, and slot B stays not bootable.
    const ok = new FileSlots({ root, booted: "A", factoryVersion: "0.1.0", nowMs: Date.now });
    const tar = await new Deno.Command("tar", {
      args: ["-cf", join(dir, "x", "app.tar"), "-C", kit.dir, "keyring.pem"],
    }).output();
    assert.ok(tar.success);
    const refused = await ok.install(
      { path: "", info: { compatible: "ladewerk-sim", version: "0.2.0", dir: join(dir, "x") } },
      () => {},
    ).catch((e) => e);
    assert.ok(refused instanceof InstallError && refused.code === "payload", String(refused));
    const status = await ok.status();
    assert.deepEqual(status.slots.map((s) => [s.slot, s.version, s.triesLeft]), [
      ["A", "0.1.0", 3],
      ["B", null, 0],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
