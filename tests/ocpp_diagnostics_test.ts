/**
 * GetDiagnostics against the strict-mode backend and a local HTTP server that receives the
 * archive: the file name, PUT after a refusal, POST when PUT is not allowed, UploadFailed after
 * the retries, the archive's content, and what TriggerMessage reports.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readTar } from "../station/diagnostics/mod.ts";
import { type Json, type OcppStation, ocppStation } from "./helpers/ocpp_station.ts";
import { UploadServer } from "./helpers/transfer_server.ts";

const FILE_NAME = /^ladewerk-diagnostics-24110001-\d{8}T\d{6}Z\.tar\.gz$/;

function diagnosticsStatuses(t: OcppStation, from = 0): string[] {
  return t.backend.calls.slice(from).filter((c) => c.action === "DiagnosticsStatusNotification")
    .map((c) => (c.params as Json).status);
}

function diagnosticsStatus(t: OcppStation, status: string, from = 0) {
  return t.next("DiagnosticsStatusNotification", (p) => p.status === status, {
    from,
    timeoutMs: 20_000,
  });
}

async function triggered(t: OcppStation): Promise<string> {
  const from = t.backend.calls.length;
  await t.backend.call("TriggerMessage", { requestedMessage: "DiagnosticsStatusNotification" });
  return (await t.next("DiagnosticsStatusNotification", undefined, { from })).params.status;
}

async function gunzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("GetDiagnostics answers the file name and uploads the archive by PUT, again after a refusal: Uploading, Uploaded", async () => {
  await using server = new UploadServer((n) => (n === 0 ? 500 : 200));
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();
  assert.equal(await triggered(t), "Idle", "nothing uploaded yet");

  const from = t.backend.calls.length;
  const startTime = new Date(Date.now() - 3_600_000).toISOString();
  const stopTime = new Date(Date.now() + 3_600_000).toISOString();
  const answer = await t.backend.call<Json>("GetDiagnostics", {
    location: server.url("/diagnostics/"),
    retries: 2,
    retryInterval: 1,
    startTime,
    stopTime,
  });
  assert.match(answer.fileName, FILE_NAME);
  await diagnosticsStatus(t, "Uploaded", from);
  assert.deepEqual(diagnosticsStatuses(t, from), ["Uploading", "Uploaded"]);

  assert.deepEqual(server.uploads.map((u) => [u.method, u.status]), [["PUT", 500], ["PUT", 200]]);
  const [refused, accepted] = server.uploads;
  assert.equal(accepted!.path, `/diagnostics/${answer.fileName}`);
  assert.ok(accepted!.atMs - refused!.atMs >= 1000 - 50, "the retry interval apart");
  assert.equal(accepted!.contentLength, String(accepted!.body.length));
  assert.deepEqual(accepted!.body, refused!.body, "the same archive each time");

  const files = readTar(await gunzip(accepted!.body as Uint8Array<ArrayBuffer>));
  const names = files.map((f) => f.name);
  for (const name of ["system.json", "settings.json", "events.csv", "logs/ladewerk.log"]) {
    assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
  }
  const text = (name: string) => new TextDecoder().decode(files.find((f) => f.name === name)!.data);
  const system = JSON.parse(text("system.json"));
  assert.equal(system.serial, "24110001");
  assert.equal(system.from, startTime);
  assert.equal(system.to, stopTime);
  assert.equal(system.ocpp.registration, "Accepted");
  assert.match(text("events.csv"), /^id,time,kind/);

  assert.equal(await triggered(t), "Uploaded");
  assert.deepEqual([...Deno.readDirSync(join(t.dataDir, "diagnostics"))], [], "nothing left");
  assert.deepEqual(t.backend.problems, []);
});

Deno.test("GetDiagnostics POSTs a multipart form when PUT is not allowed; an upload refused every time reports UploadFailed", async () => {
  await using post = new UploadServer((_, method) => (method === "PUT" ? 405 : 200));
  await using refuse = new UploadServer(() => 500);
  await using t = await ocppStation({ connectors: 1 });
  await t.booted();

  let from = t.backend.calls.length;
  const answer = await t.backend.call<Json>("GetDiagnostics", {
    location: post.url("/upload"),
    retries: 0,
  });
  await diagnosticsStatus(t, "Uploaded", from);
  assert.deepEqual(post.uploads.map((u) => [u.method, u.path]), [
    ["PUT", "/upload"],
    ["POST", "/upload"],
  ]);
  assert.equal(post.uploads[1]!.fileName, answer.fileName);
  const names = readTar(await gunzip(post.uploads[1]!.body as Uint8Array<ArrayBuffer>))
    .map((f) => f.name);
  assert.ok(names.includes("system.json"));

  from = t.backend.calls.length;
  await t.backend.call("GetDiagnostics", {
    location: refuse.url("/diagnostics/"),
    retries: 1,
    retryInterval: 1,
  });
  await diagnosticsStatus(t, "UploadFailed", from);
  assert.deepEqual(diagnosticsStatuses(t, from), ["Uploading", "UploadFailed"]);
  assert.equal(refuse.uploads.length, 2, "the first try and one retry");
  assert.equal(await triggered(t), "UploadFailed");
  assert.deepEqual(t.backend.problems, []);
});
