import assert from "node:assert/strict";
import { StatusReport } from "./status_report.ts";

function fakes() {
  const meta = new Map<string, string>();
  const sent: unknown[] = [];
  const client = {
    online: false,
    call<T>(action: string, payload: unknown): Promise<T> {
      sent.push([action, payload]);
      return Promise.resolve({} as T);
    },
  };
  const store = {
    getMeta: (k: string) => Promise.resolve(meta.get(k)),
    setMeta: (k: string, v: string) => Promise.resolve(void meta.set(k, v)),
  };
  return { meta, sent, client, store };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("Timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

Deno.test("StatusReport sends every status in order online, only the latest after being offline, and remembers it", async () => {
  const { meta, sent, client, store } = fakes();
  const options = {
    client,
    store,
    action: "FirmwareStatusNotification",
    metaKey: "firmware.status",
    nowMs: () => 1000,
    retryMs: 10,
  };
  using report = new StatusReport<string>(options);
  assert.equal(report.last(), "Idle");
  client.online = true;
  await report.set("Downloading");
  await report.set("Downloaded");
  await until(() => sent.length === 2);
  client.online = false;
  await report.set("Installing");
  await report.set("InstallationFailed");
  client.online = true;
  await until(() => sent.length === 3);
  assert.deepEqual(sent.map((s) => (s as [string, { status: string }])[1].status), [
    "Downloading",
    "Downloaded",
    "InstallationFailed",
  ]);
  assert.deepEqual(JSON.parse(meta.get("firmware.status")!), {
    status: "InstallationFailed",
    atMs: 1000,
  });

  using again = new StatusReport<string>(options);
  assert.deepEqual(await again.load(), { status: "InstallationFailed", atMs: 1000 });
  assert.equal(again.last(), "InstallationFailed");
});
