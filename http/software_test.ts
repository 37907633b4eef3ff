import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { readTar } from "../station/diagnostics/mod.ts";
import { updateKit } from "../station/update/testing.ts";
import { json, testStation, waitUntil } from "./testing.ts";

/** A stream of `total` pseudo-random bytes in 64 KiB chunks, hashing what it gives. */
function generated(total: number) {
  const hash = createHash("sha256");
  let sent = 0;
  let seed = 12345;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const chunk = new Uint8Array(Math.min(65_536, total - sent));
      for (let i = 0; i < chunk.length; i += 4) {
        seed = (seed * 1_103_515_245 + 12_345) >>> 0;
        chunk[i] = seed & 0xff;
        chunk[i + 1] = (seed >>> 8) & 0xff;
        chunk[i + 2] = (seed >>> 16) & 0xff;
        chunk[i + 3] = seed >>> 24;
      }
      hash.update(chunk);
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return { stream, sha256: () => hash.digest("hex") };
}

Deno.test("GET /api/software tells versions, both slots, and that nothing installs without a keyring", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const body = await json(await t.request("/api/software", { as: admin }));
  assert.equal(body.versions.app, "0.1.0");
  assert.equal(body.versions.controllers.length, 2);
  assert.equal(body.update.available, false);
  assert.match(body.update.reason, /No update keyring is set/);
  assert.equal(body.update.phase, "idle");
  assert.equal(body.update.booted, "A");
  assert.deepEqual(
    body.update.slots.map((s: { slot: string; version: string | null }) => [s.slot, s.version]),
    [["A", "0.1.0"], ["B", null]],
  );
});

Deno.test("POST /api/software/update streams 50 MB to disk with its sha256", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const size = 50 * 1024 * 1024;
  const upload = generated(size);
  const res = await t.request("/api/software/update", {
    method: "POST",
    as: admin,
    body: upload.stream,
    headers: { "content-type": "application/octet-stream" },
    duplex: "half",
  } as RequestInit);
  assert.equal(res.status, 200);
  const body = await json(res);
  assert.equal(body.bytes, size);
  assert.equal(body.sha256, upload.sha256());
  assert.equal(body.installed, false);
  assert.match(body.reason, /No update keyring is set/);
  assert.match(body.file, /^updates\/upload-\d+\.bin$/);
  const path = join(t.dataDir, body.file);
  assert.equal((await Deno.stat(path)).size, size);
  const onDisk = createHash("sha256");
  for await (const chunk of (await Deno.open(path)).readable) onDisk.update(chunk);
  assert.equal(onDisk.digest("hex"), body.sha256);

  const second = await json(
    await t.request("/api/software/update", {
      method: "POST",
      as: admin,
      body: new Uint8Array([1, 2, 3]),
    }),
  );
  assert.equal(second.bytes, 3);
  const left = [...Deno.readDirSync(join(t.dataDir, "updates"))].map((e) => e.name);
  assert.deepEqual(left, [second.file.slice("updates/".length)], "only the newest upload stays");
});

Deno.test("POST /api/software/update refuses too large and empty uploads and leaves no file", async () => {
  await using t = await testStation({ deps: { maxUploadBytes: 1000 } });
  const admin = await t.login();
  const declared = await t.request("/api/software/update", {
    method: "POST",
    as: admin,
    body: new Uint8Array(1001),
  });
  assert.equal(declared.status, 413);
  assert.equal((await json(declared)).code, "too_big");
  const streamed = await t.request("/api/software/update", {
    method: "POST",
    as: admin,
    body: generated(5000).stream,
    duplex: "half",
  } as RequestInit);
  assert.equal(streamed.status, 413, "no Content-Length: counted while streaming");
  const empty = await t.request("/api/software/update", { method: "POST", as: admin });
  assert.equal(empty.status, 400);
  assert.equal((await json(empty)).field, "body");
  const emptyBody = await t.request("/api/software/update", {
    method: "POST",
    as: admin,
    body: new Uint8Array(0),
  });
  assert.equal(emptyBody.status, 400);
  const left = [...Deno.readDirSync(join(t.dataDir, "updates"))];
  assert.deepEqual(left, [], "partial files are removed");
});

Deno.test("GET /api/diagnostics downloads a tar.gz with logs, redacted settings, events, system", async () => {
  await using t = await testStation();
  await t.settings.set({ "ocpp.authorizationKey": "Secret-Key-9" });
  await Deno.mkdir(join(t.dataDir, "logs"));
  await Deno.writeTextFile(join(t.dataDir, "logs", "ladewerk.log"), "a log line\n");
  const admin = await t.login();
  const res = await t.request("/api/diagnostics", { as: admin });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/gzip");
  assert.match(
    res.headers.get("content-disposition") ?? "",
    /attachment; filename="ladewerk-diagnostics-24110001-\d{8}T\d{6}Z\.tar\.gz"/,
  );
  const tar = new Uint8Array(
    await new Response(res.body!.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer(),
  );
  const files = readTar(tar);
  assert.deepEqual(files.map((f) => f.name), [
    "system.json",
    "settings.json",
    "events.csv",
    "audit.csv",
    "logs/ladewerk.log",
  ]);
  const text = (name: string) => new TextDecoder().decode(files.find((f) => f.name === name)!.data);
  assert.equal(JSON.parse(text("settings.json"))["ocpp.authorizationKey"], "[redacted]");
  assert.ok(!files.some((f) => new TextDecoder().decode(f.data).includes("Secret-Key-9")));
  assert.match(text("events.csv"), /Web login from 127\.0\.0\.1/);
  const system = JSON.parse(text("system.json"));
  assert.equal(system.serial, "24110001");
  assert.equal(system.status.connectors.length, 2);
});

Deno.test("GET /api/diagnostics filters events by time and refuses bad ranges", async () => {
  await using t = await testStation();
  const admin = await t.login();
  const future = await t.request("/api/diagnostics?from=2100-01-01", { as: admin });
  assert.equal(future.status, 200);
  const tar = new Uint8Array(
    await new Response(future.body!.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer(),
  );
  const events = readTar(tar).find((f) => f.name === "events.csv")!;
  assert.equal(new TextDecoder().decode(events.data).trim().split("\n").length, 1, "header only");
  for (const q of ["from=yesterday", "to=2026-13-01", "from=2026-02-01&to=2026-01-01"]) {
    const res = await t.request(`/api/diagnostics?${q}`, { as: admin });
    assert.equal(res.status, 400, q);
    assert.ok(["from", "to"].includes((await json(res)).field), q);
  }
});

Deno.test("POST /api/software/update refuses an upload that would eat the database's reserve (507)", async () => {
  // A reserve larger than any disk: no room at all above it.
  await using t = await testStation({ deps: { dataReserveBytes: 2 ** 60 } });
  const admin = await t.login();
  const res = await t.request("/api/software/update", {
    method: "POST",
    as: admin,
    body: new Uint8Array(10_000),
  });
  assert.equal(res.status, 507);
  const body = await json(res);
  assert.equal(body.code, "no_space");
  assert.match(body.reason, /Not enough free space/);
  assert.deepEqual([...Deno.readDirSync(join(t.dataDir, "updates"))], []);
});

Deno.test("with a keyring, an upload must be a verified bundle: refused ones 422 and deleted", async () => {
  await using kit = await updateKit();
  await using t = await testStation({ settings: { "update.keyringPath": kit.keyring } });
  const admin = await t.login();
  const upload = async (path: string | Uint8Array<ArrayBuffer>) =>
    await t.request("/api/software/update", {
      method: "POST",
      as: admin,
      body: typeof path === "string" ? await Deno.readFile(path) : path,
      headers: { "content-type": "application/octet-stream" },
    });
  for (
    const [name, bytes, code] of [
      ["stranger", await kit.bundle({ version: "0.2.0", key: kit.stranger }), "signature"],
      [
        "other hardware",
        await kit.bundle({ version: "0.2.0", compatible: "ladewerk-device" }),
        "hardware",
      ],
      ["downgrade", await kit.bundle({ version: "0.0.1" }), "downgrade"],
      ["random bytes", crypto.getRandomValues(new Uint8Array(9_000)), "format"],
    ] as const
  ) {
    const res = await upload(bytes);
    assert.equal(res.status, 422, name);
    const refusal = await json(res);
    assert.equal(refusal.code, code, `${name}: ${refusal.reason}`);
    assert.equal(refusal.field, "body");
  }
  const left = [...Deno.readDirSync(join(t.dataDir, "updates"))].map((e) => e.name);
  assert.deepEqual(left.filter((n) => n.startsWith("upload-")), [], "refused uploads are deleted");
  assert.equal(t.restarts.length, 0);
  const body = await json(await t.request("/api/software", { as: admin }));
  assert.equal(body.update.slots[1].version, null, "slot B untouched");
});

Deno.test("a verified upload installs into slot B and reboots; with a session it waits, refuses a second, can be cancelled or forced", async () => {
  await using kit = await updateKit();
  await using t = await testStation({ settings: { "update.keyringPath": kit.keyring } });
  const admin = await t.login();
  const upload = async (path: string, query = "") =>
    await t.request(`/api/software/update${query}`, {
      method: "POST",
      as: admin,
      body: await Deno.readFile(path),
      headers: { "content-type": "application/octet-stream" },
    });
  const software = async () => (await json(await t.request("/api/software", { as: admin }))).update;
  const good = await kit.bundle({ version: "0.2.0", key: kit.next });

  // A session runs: the install waits, the points take no new session.
  t.hardware.plug(1);
  t.hardware.presentCard("MASTERKEY");
  await waitUntil(() => t.station.state.connectors[0]!.session !== null, "a session");
  const res = await upload(good);
  assert.equal(res.status, 200);
  const answer = await json(res);
  assert.deepEqual(answer.bundle, { compatible: "ladewerk-sim", version: "0.2.0", verified: true });
  assert.match(answer.reason, /Installing 0.2.0/);
  await waitUntil(async () => (await software()).phase === "waiting", "waiting for the session");
  assert.equal(t.station.state.connectors[1]!.status, "Unavailable", "no new session meanwhile");
  const second = await upload(good);
  assert.equal(second.status, 409);
  assert.equal((await json(second)).code, "busy");
  const cancel = await t.request("/api/software/update/cancel", { method: "POST", as: admin });
  assert.equal(cancel.status, 200);
  await waitUntil(async () => (await software()).phase === "idle", "cancelled");
  const after = await software();
  assert.equal(after.last.outcome, "failed");
  assert.match(after.last.reason, /Cancelled/);
  assert.equal(after.slots[1].version, null);
  await waitUntil(() => t.station.state.connectors[1]!.status === "Available", "released");
  assert.ok(t.station.state.connectors[0]!.session, "the session charges on");

  // Forced: installed at once, the reboot asked for; slot B holds 0.2.0 and boots next.
  assert.equal((await upload(good, "?force=true")).status, 200);
  await waitUntil(() => t.restarts.includes("system"), "the reboot");
  const installed = await software();
  assert.equal(installed.phase, "rebooting");
  assert.deepEqual(
    installed.slots.map((s: { slot: string; version: string; primary: boolean }) => [
      s.slot,
      s.version,
      s.primary,
    ]),
    [["A", "0.1.0", false], ["B", "0.2.0", true]],
  );
  assert.equal(
    await Deno.readTextFile(join(t.dataDir, "rauc/env")),
    "BOOT_ORDER=B A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=3\n",
  );
  const uploads = [...Deno.readDirSync(join(t.dataDir, "updates"))].map((e) => e.name);
  assert.deepEqual(uploads, [], "the upload and its unpacked copy are gone once installed");
  const bad = await t.request("/api/software/update?force=maybe", { method: "POST", as: admin });
  assert.equal(bad.status, 400);
  assert.equal((await json(bad)).field, "force");
});
