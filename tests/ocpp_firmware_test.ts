/**
 * UpdateFirmware against the strict-mode backend and a local HTTP server: the download at the
 * retrieve date, a download cut halfway and retried from scratch, one that always fails, the
 * staged file, InstallationFailed with its reason, and the last status after a restart.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { buildPayload } from "../image/tools.ts";
import { updateKit } from "../station/update/testing.ts";
import { BACKENDS, type Json, type OcppStation, ocppStation } from "./helpers/ocpp_station.ts";
import { FirmwareServer } from "./helpers/transfer_server.ts";

const FINAL = ["Downloaded", "DownloadFailed", "InstallationFailed", "Installed"];

/** FirmwareStatusNotification statuses after call index `from`. */
function firmwareStatuses(t: OcppStation, from = 0): string[] {
  return t.backend.calls.slice(from).filter((c) => c.action === "FirmwareStatusNotification")
    .map((c) => (c.params as Json).status);
}

/** Waits for a FirmwareStatusNotification with `status` after `from`. */
function firmwareStatus(t: OcppStation, status: string, from = 0, timeoutMs = 20_000) {
  return t.next("FirmwareStatusNotification", (p) => p.status === status, { from, timeoutMs });
}

/** TriggerMessage FirmwareStatusNotification; returns the status sent. */
async function triggered(t: OcppStation): Promise<string> {
  const from = t.backend.calls.length;
  const res = await t.backend.call<Json>("TriggerMessage", {
    requestedMessage: "FirmwareStatusNotification",
  });
  assert.equal(res.status, "Accepted");
  return (await t.next("FirmwareStatusNotification", undefined, { from })).params.status;
}

Deno.test("UpdateFirmware downloads at the retrieve date, retries a download cut halfway from scratch, stages the file; without a keyring InstallationFailed", async () => {
  const content = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31 + (i >> 12)) % 256);
  const sha256 = createHash("sha256").update(content).digest("hex");
  await using server = new FirmwareServer(content, (n) => (n === 0 ? "cut" : "ok"));
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  assert.equal(await triggered(t), "Idle", "no update yet");

  const from = t.backend.calls.length;
  const retrieveAtMs = Date.now() + 1500;
  const answer = await t.backend.call<Json>("UpdateFirmware", {
    location: server.url(),
    retrieveDate: new Date(retrieveAtMs).toISOString(),
    retries: 2,
    retryInterval: 1,
  });
  assert.deepEqual(answer, {});
  await firmwareStatus(t, "InstallationFailed", from);
  assert.deepEqual(firmwareStatuses(t, from), [
    "Downloading",
    "Downloaded",
    "Installing",
    "InstallationFailed",
  ]);

  const [cut, ok] = server.requests;
  assert.equal(server.requests.length, 2, "the cut download, then one whole");
  assert.deepEqual([cut!.mode, ok!.mode], ["cut", "ok"]);
  assert.equal(cut!.path, "/firmware/ladewerk-1.2.3.bin");
  assert.ok(cut!.atMs >= retrieveAtMs - 50, "not before the retrieve date");
  assert.ok(ok!.atMs - cut!.atMs >= 1000 - 50, "the retry interval apart");

  const dir = join(t.dataDir, "firmware");
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["ladewerk-1.2.3.bin"]);
  const staged = await Deno.readFile(join(dir, "ladewerk-1.2.3.bin"));
  assert.equal(staged.length, content.length);
  assert.equal(createHash("sha256").update(staged).digest("hex"), sha256);
  const out = t.st.output();
  assert.match(out, new RegExp(`Firmware staged: .*${content.length} bytes, sha256 ${sha256}`));
  assert.match(out, /Firmware installation failed: No update keyring is set/);
  assert.equal(await triggered(t), "InstallationFailed");
  assert.deepEqual(t.backend.problems, []);
});

Deno.test("a download that always fails reports DownloadFailed after the retries; the last status is sent once after a restart", async () => {
  await using server = new FirmwareServer(new Uint8Array(10), () => "error");
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  let from = t.backend.calls.length;
  await t.backend.call("UpdateFirmware", {
    location: server.url("/fw.bin"),
    retrieveDate: new Date().toISOString(),
    retries: 2,
    retryInterval: 1,
  });
  await firmwareStatus(t, "DownloadFailed", from);
  assert.deepEqual(firmwareStatuses(t, from), ["Downloading", "DownloadFailed"]);
  assert.equal(server.requests.length, 3, "the first try and two retries");
  assert.ok(server.requests[2]!.atMs - server.requests[0]!.atMs >= 2000 - 50);
  assert.deepEqual([...Deno.readDirSync(join(t.dataDir, "firmware"))], [], "nothing left");

  from = t.backend.calls.length;
  await t.backend.call("UpdateFirmware", {
    location: "ftp://127.0.0.1/fw.bin",
    retrieveDate: new Date().toISOString(),
  });
  await firmwareStatus(t, "DownloadFailed", from);
  assert.deepEqual(firmwareStatuses(t, from), ["DownloadFailed"], "FTP is not supported");
  assert.match(t.st.output(), /Cannot transfer by ftp: only HTTP and HTTPS are supported/);

  await t.st.stop();
  from = t.backend.calls.length;
  await t.restart();
  const boot = t.backend.calls.indexOf(await t.next("BootNotification", undefined, { from }));
  await firmwareStatus(t, "DownloadFailed", boot);
  // A round trip after it: anything else sent after the boot has arrived by then.
  await t.backend.call("TriggerMessage", { requestedMessage: "Heartbeat" });
  await t.next("Heartbeat", undefined, { from: boot });
  assert.deepEqual(firmwareStatuses(t, boot), ["DownloadFailed"], "sent once after the boot");
  assert.equal(await triggered(t), "DownloadFailed");
  assert.ok(FINAL.includes(firmwareStatuses(t, from).at(-1)!));
  assert.deepEqual(t.backend.problems, []);
});

Deno.test("an update scheduled before a restart is carried out after it", async () => {
  await using server = new FirmwareServer(new Uint8Array(100_000).fill(7));
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  const retrieveAtMs = Date.now() + 2500;
  await t.backend.call("UpdateFirmware", {
    location: server.url(),
    retrieveDate: new Date(retrieveAtMs).toISOString(),
    retryInterval: 1,
  });
  await t.st.stop();
  assert.equal(server.requests.length, 0, "nothing fetched before the retrieve date");
  const from = t.backend.calls.length;
  await t.restart();
  await firmwareStatus(t, "InstallationFailed", from);
  assert.deepEqual(firmwareStatuses(t, from), [
    "Downloading",
    "Downloaded",
    "Installing",
    "InstallationFailed",
  ]);
  assert.equal(server.requests.length, 1);
  assert.ok(server.requests[0]!.atMs >= retrieveAtMs - 50);
  const staged = await Deno.stat(join(t.dataDir, "firmware", "ladewerk-1.2.3.bin"));
  assert.equal(staged.size, 100_000);
  assert.deepEqual(t.backend.problems, []);
});

for (const backend of BACKENDS) {
  Deno.test(`UpdateFirmware of a signed bundle (${backend}): installed, the station reboots into it, then Installed; a stranger's bundle InstallationFailed`, async () => {
    await using kit = await updateKit();
    const payload = join(kit.dir, "app.tar");
    await buildPayload({ version: "0.2.0", out: payload });
    const bundle = await Deno.readFile(await kit.bundle({ version: "0.2.0", payload }));
    const stranger = await Deno.readFile(
      await kit.bundle({ version: "0.2.0", payload, key: kit.stranger }),
    );
    await using refusedServer = new FirmwareServer(stranger);
    await using server = new FirmwareServer(bundle);
    await using t = await ocppStation({
      connectors: 1,
      backend,
      args: ["--update-keyring", kit.keyring],
    });
    await t.booted();
    let from = t.backend.calls.length;
    await t.backend.call("UpdateFirmware", {
      location: refusedServer.url("/fw/stranger.raucb"),
      retrieveDate: new Date().toISOString(),
    });
    await firmwareStatus(t, "InstallationFailed", from);
    assert.match(t.st.output(), /Firmware installation failed: Signature not trusted/);

    from = t.backend.calls.length;
    await t.backend.call("UpdateFirmware", {
      location: server.url("/fw/ladewerk-0.2.0.raucb"),
      retrieveDate: new Date().toISOString(),
    });
    const boot = await t.next("BootNotification", (p) => p.firmwareVersion === "0.2.0", {
      from,
      timeoutMs: 60_000,
    });
    await firmwareStatus(t, "Installed", t.backend.calls.indexOf(boot), 60_000);
    assert.deepEqual(firmwareStatuses(t, from), [
      "Downloading",
      "Downloaded",
      "Installing",
      "Installed",
    ]);
    assert.equal(await triggered(t), "Installed");
    assert.deepEqual(t.backend.problems, []);
  });
}
