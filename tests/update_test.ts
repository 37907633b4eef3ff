/**
 * Updates end to end, in simulation: the real program, its simulated boot loader and the file
 * backend. A signed bundle of the bundled program is uploaded, installed into slot B, the
 * station reboots into it and marks it good; a bundle whose program cannot start boots three
 * times, then the old slot, which says "rolled back"; a power cut (SIGKILL) at random points
 * of an install leaves a station that boots, the old version or the whole new one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { buildPayload } from "../image/tools.ts";
import { updateKit } from "../station/update/testing.ts";
import { adminLogin } from "./helpers/device.ts";
import { seededRandom } from "./helpers/random.ts";
import { freePort, startStation, type StationProcess } from "./helpers/station_process.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const ENV = { LADEWERK_BOOT_TIMEOUT_MS: "6000", LADEWERK_HEALTH_TIMEOUT_MS: "5000" };

const login = (st: StationProcess) => adminLogin(st);

async function upload(st: StationProcess, bundle: string, query = ""): Promise<Json> {
  const who = await login(st);
  const res = await fetch(new URL(`/api/software/update${query}`, st.baseUrl), {
    method: "POST",
    headers: {
      cookie: who.cookie,
      "x-csrf-token": who.csrf,
      "content-type": "application/octet-stream",
    },
    body: await Deno.readFile(bundle),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

const update = (s: Json) => s.update;

Deno.test("update: install, reboot into the new version, marked good; a program that cannot start is rolled back after three boots", async () => {
  await using kit = await updateKit();
  const good = join(kit.dir, "good.tar");
  await buildPayload({ version: "0.2.0", out: good });
  const goodBundle = await kit.bundle({ version: "0.2.0", payload: good });
  const broken = await kit.payload({
    version: "0.3.0",
    program: 'console.error("broken build"); Deno.exit(1);\n',
  });
  const brokenBundle = await kit.bundle({ version: "0.3.0", payload: broken, key: kit.next });
  const port = freePort();
  await using st = await startStation({
    args: ["--http-port", String(port), "--update-keyring", kit.keyring],
    env: ENV,
  });
  const answer = await upload(st, goodBundle);
  assert.equal(answer.bundle.version, "0.2.0");
  const after = await st.waitFor(
    (s: Json) => s.firmwareVersion === "0.2.0" && update(s).last?.outcome === "installed",
    { timeoutMs: 60_000 },
  );
  assert.equal(update(after).booted, "B");
  assert.deepEqual(
    update(after).slots.map((s: Json) => [s.slot, s.version, s.primary, s.triesLeft]),
    [["A", "0.1.0", false, 3], ["B", "0.2.0", true, 3]],
  );
  assert.equal(update(after).phase, "idle");

  // The new version installs the broken one into A: three boots of A fail, B boots again.
  await upload(st, brokenBundle);
  const back = await st.waitFor(
    (s: Json) => update(s).last?.outcome === "rolledBack",
    { timeoutMs: 90_000 },
  );
  assert.equal(back.firmwareVersion, "0.2.0");
  assert.equal(update(back).booted, "B");
  assert.equal(update(back).last.version, "0.3.0");
  assert.match(
    update(back).last.reason,
    /Version 0\.3\.0 in slot A failed 3 boot\(s\): its program ended with exit code 1/,
  );
  const boots = st.output().split("\n").filter((l) => /boot: slot A,/.test(l)).length;
  assert.equal(boots, 3, "three tries of the broken slot");
  const slotA = update(back).slots.find((s: Json) => s.slot === "A");
  assert.equal(slotA.triesLeft, 0, "the broken slot is not booted again");
  const db = new DatabaseSync(join(st.dataDir, "ladewerk.sqlite"), { readOnly: true });
  try {
    const codes = db.prepare("SELECT code FROM events WHERE kind = 'update' ORDER BY id").all()
      .map((r) => r.code);
    assert.deepEqual(codes, [
      "UpdateInstalling",
      "UpdateInstalled",
      "UpdateInstalling",
      "UpdateRolledBack",
    ]);
  } finally {
    db.close();
  }
});

Deno.test("update: a program that starts but never proves healthy is reset by the watchdog, three times, then rolled back", async () => {
  await using kit = await updateKit();
  const hung = await kit.payload({
    version: "0.2.5",
    program: "console.log('hung build'); setInterval(() => {}, 1000);\n",
  });
  const bundle = await kit.bundle({ version: "0.2.5", payload: hung });
  await using st = await startStation({
    args: ["--http-port", String(freePort()), "--update-keyring", kit.keyring],
    env: { ...ENV, LADEWERK_BOOT_TIMEOUT_MS: "2500" },
  });
  await upload(st, bundle);
  const back = await st.waitFor((s: Json) => update(s).last?.outcome === "rolledBack", {
    timeoutMs: 60_000,
  });
  assert.equal(back.firmwareVersion, "0.1.0");
  assert.equal(update(back).booted, "A");
  assert.match(
    update(back).last.reason,
    /Version 0\.2\.5 in slot B failed 3 boot\(s\): its program was not marked good within 2500 ms/,
  );
  const resets = st.output().split("\n").filter((l) =>
    /boot: slot B not marked good within 2500 ms/.test(l)
  );
  assert.equal(resets.length, 3, "the watchdog reset each of the three boots");
});

Deno.test("update: a power cut at random points of an install leaves a station that boots a whole version", async () => {
  const seed = Number(Deno.env.get("LADEWERK_TEST_SEED") ?? Date.now() % 100_000);
  console.log(`update power-cut seed ${seed} (LADEWERK_TEST_SEED=${seed} repeats it)`);
  const random = seededRandom(seed);
  await using kit = await updateKit();
  const good = join(kit.dir, "good.tar");
  await buildPayload({ version: "0.2.0", out: good });
  // 24 MiB more: the install takes long enough to be cut in its middle.
  await Deno.writeFile(join(kit.dir, "filler.bin"), crypto.getRandomValues(new Uint8Array(65536)));
  const filler = join(kit.dir, "filler.bin");
  const grow = await Deno.open(filler, { append: true });
  for (let i = 0; i < 383; i++) await grow.write(crypto.getRandomValues(new Uint8Array(65536)));
  grow.close();
  const tar = await new Deno.Command("tar", { args: ["-rf", good, "-C", kit.dir, "filler.bin"] })
    .output();
  assert.ok(tar.success);
  const bundle = await kit.bundle({ version: "0.2.0", payload: good });
  const bytes = await Deno.readFile(bundle);
  const port = freePort();
  const dataDir = await Deno.makeTempDir({ prefix: "ladewerk-update-cut-" });
  const args = ["--http-port", String(port), "--update-keyring", kit.keyring];
  try {
    const outcomes: string[] = [];
    let installMs = 0;
    for (let round = 0; round < 6; round++) {
      // A fresh factory station each round.
      await Deno.remove(join(dataDir, "rauc"), { recursive: true }).catch(() => {});
      await Deno.remove(join(dataDir, "update"), { recursive: true }).catch(() => {});
      const st = await startStation({ dataDir, args, env: ENV });
      const who = await login(st);
      const startMs = performance.now();
      const sending = fetch(new URL("/api/software/update?force=true", st.baseUrl), {
        method: "POST",
        headers: { cookie: who.cookie, "x-csrf-token": who.csrf },
        body: bytes,
      }).then((r) => r.body?.cancel()).catch(() => {});
      if (round === 0) {
        // The first round measures how long an install takes, up to the reboot.
        // The reboot's log line, watched closely (the rebooting phase is brief).
        const deadline = performance.now() + 60_000;
        while (!/written to slot B: rebooting/.test(st.output())) {
          if (performance.now() > deadline) throw new Error(`No install:\n${st.output()}`);
          await new Promise((r) => setTimeout(r, 10));
        }
        installMs = performance.now() - startMs;
        console.log(`install up to the reboot: ${Math.round(installMs)} ms`);
      } else {
        const cutMs = Math.floor(random() * installMs * 1.1);
        await new Promise((r) => setTimeout(r, cutMs));
        st.kill("SIGKILL");
        outcomes.push(`cut at ${cutMs} ms`);
      }
      await sending;
      await st.stop(100);
      await st[Symbol.asyncDispose]();
      await using again = await startStation({ dataDir, args, env: ENV });
      const s: Json = await again.waitFor((s: Json) => update(s).phase === "idle", {
        timeoutMs: 60_000,
      });
      const booted = update(s).slots.find((x: Json) => x.booted);
      assert.equal(s.firmwareVersion, booted.version, "the booted slot runs what it holds");
      assert.ok(["0.1.0", "0.2.0"].includes(s.firmwareVersion));
      outcomes.push(`→ ${s.firmwareVersion} in ${update(s).booted}`);
      await again.stop(100);
    }
    console.log(`outcomes: ${outcomes.join(", ")}`);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
