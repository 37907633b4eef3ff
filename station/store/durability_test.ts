import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { openStore } from "./mod.ts";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));
const STORE_URL = new URL("./mod.ts", import.meta.url).href;

/** The child commits a session, says so, then keeps writing samples until it is killed. */
const CHILD = `
import { openStore } from ${JSON.stringify(STORE_URL)};
const store = await openStore(Deno.args[0]);
const id = await store.sessions.open({
  connectorId: 1, idTag: "DURABLE", authSource: "whitelist", startedAtMs: 1000, meterStartWh: 500,
});
console.log("committed " + id);
const phase = { voltageV: 230, currentA: 16, powerW: 3680, powerFactor: 1 };
for (let i = 1; ; i++) {
  await store.sessions.recordSamples([{
    connectorId: 1, offeredMa: 16000,
    reading: { energyWh: 500 + i, powerW: 11040, phases: [phase, phase, phase], atMs: 1000 + i },
  }]);
}
`;

/** Reads the child's stdout until `marker` appears; the deadline kills a hung child. */
async function readUntil(
  stream: ReadableStream<Uint8Array>,
  marker: RegExp,
  onTimeout: () => void,
): Promise<RegExpMatchArray> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  const timer = setTimeout(onTimeout, 30_000);
  let text = "";
  try {
    while (true) {
      const match = text.match(marker);
      if (match) return match;
      const { value, done } = await reader.read();
      if (done) throw new Error(`Child ended before printing ${marker}: ${text}`);
      text += value;
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel();
  }
}

Deno.test("a session committed right before SIGKILL is intact after reopening", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk_durability_" });
  try {
    const script = `${dir}/child.ts`;
    await Deno.writeTextFile(script, CHILD);
    const child = new Deno.Command(Deno.execPath(), {
      // The script lives outside the project, so it needs the project's import map.
      args: ["run", "--allow-all", "--quiet", "--config", CONFIG, script, `${dir}/data`],
      cwd: PROJECT_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    let committed: RegExpMatchArray;
    try {
      committed = await readUntil(child.stdout, /committed (\d+)\n/, () => child.kill("SIGKILL"));
    } finally {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
    const status = await child.status;
    assert.equal(status.signal, "SIGKILL", await stderr);
    await stderr;
    const id = Number(committed[1]);

    await using store = await openStore(`${dir}/data`);
    const check = await sql<{ integrity_check: string }>`PRAGMA integrity_check`
      .execute(store.db);
    assert.equal(check.rows[0]?.integrity_check, "ok");
    const session = await store.sessions.get(id);
    assert.equal(session?.id_tag, "DURABLE");
    assert.equal(session?.meter_start_wh, 500);
    assert.equal(session?.stopped_at, null);
    // Each sample and the session's last reading went in together, so they agree.
    const samples = await store.sessions.samples(1, 0, Number.MAX_SAFE_INTEGER);
    const lastSampleWh = samples.at(-1)?.energy_wh ?? 500;
    assert.equal(session?.last_meter_wh, lastSampleWh);

    const [closed] = await store.sessions.closeInterrupted();
    assert.equal(closed?.id, id);
    assert.equal(closed?.stop_reason, "PowerLoss");
    assert.equal(closed?.meter_stop_wh, lastSampleWh);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
