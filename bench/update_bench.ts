/**
 * Updates: a 200 MiB bundle (the real program plus random filler) uploaded and installed into
 * the other slot through the file backend. Figures: upload and install throughput, the
 * station's RSS above idle while it streams and installs (the upload is never buffered), and
 * the time from the reboot to the new slot marked good.
 * @module
 */
import { join } from "node:path";
import { buildPayload } from "../image/tools.ts";
import { updateKit } from "../station/update/testing.ts";
import { freePort, startStation } from "../tests/helpers/station_process.ts";
import type { Figure } from "./figure.ts";
import { procStatusKib } from "./startup_bench.ts";

const FILLER_MIB = 200;

// deno-lint-ignore no-explicit-any
type Json = any;

/** Measures one 200 MiB install. */
export async function run(): Promise<Figure[]> {
  await using kit = await updateKit();
  const payload = join(kit.dir, "app.tar");
  await buildPayload({ version: "0.2.0", out: payload });
  const filler = join(kit.dir, "filler.bin");
  const f = await Deno.open(filler, { write: true, create: true });
  for (let i = 0; i < FILLER_MIB * 16; i++) {
    await f.write(crypto.getRandomValues(new Uint8Array(65536)));
  }
  f.close();
  const tar = await new Deno.Command("tar", { args: ["-rf", payload, "-C", kit.dir, "filler.bin"] })
    .output();
  if (!tar.success) throw new Error("tar failed");
  await Deno.remove(filler);
  const bundle = await kit.bundle({ version: "0.2.0", payload });
  const bytes = (await Deno.stat(bundle)).size;

  await using st = await startStation({
    args: ["--http-port", String(freePort()), "--update-keyring", kit.keyring],
  });
  await st.waitFor((s: Json) => s.update?.phase === "idle");
  await new Promise((r) => setTimeout(r, 2000));
  const idleKib = await procStatusKib(st.pid, "VmRSS");
  const login = await fetch(new URL("/api/login", st.baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: "admin", password: "24110001" }),
  });
  const who = await login.json();
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;

  const startMs = performance.now();
  let peakKib = idleKib;
  let sampling = true;
  const trace: string[] = [];
  const sampler = (async () => {
    while (sampling) {
      const kib = await procStatusKib(st.pid, "VmRSS").catch(() => 0);
      if (kib > peakKib + 5120) {
        trace.push(`${Math.round(performance.now() - startMs)}:${kib >> 10}`);
      }
      peakKib = Math.max(peakKib, kib);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  // curl streams the file from disk, as a browser does (Deno's fetch with a file stream as
  // the body sends it slowly, in small pieces).
  const curl = await new Deno.Command("curl", {
    args: [
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-X",
      "POST",
      "-T",
      bundle,
      "-H",
      `cookie: ${cookie}`,
      "-H",
      `x-csrf-token: ${who.csrfToken}`,
      "-H",
      "content-type: application/octet-stream",
      new URL("/api/software/update?force=true", st.baseUrl).href,
    ],
    stdout: "piped",
  }).output();
  const code = new TextDecoder().decode(curl.stdout);
  const uploadedMs = performance.now();
  if (code !== "200") throw new Error(`upload answered ${code}`);
  // The install ends with the reboot: its log line, watched closely (the phase is brief).
  const deadline = performance.now() + 300_000;
  while (!/written to slot B: rebooting/.test(st.output())) {
    if (performance.now() > deadline) throw new Error(`No install:\n${st.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const installedMs = performance.now();
  sampling = false;
  await sampler;
  await st.waitFor((s: Json) => s.update?.last?.outcome === "installed", {
    timeoutMs: 120_000,
    intervalMs: 100,
  });
  const goodMs = performance.now();
  if (Deno.env.get("LADEWERK_BENCH_TRACE")) {
    console.error(`uploaded ${Math.round(uploadedMs - startMs)} ms; RSS trace ${trace.join(" ")}`);
  }
  const mib = bytes / 1024 / 1024;
  return [
    {
      name: "upload throughput",
      value: mib / ((uploadedMs - startMs) / 1000),
      unit: "MiB/s",
      note: `${mib.toFixed(0)} MiB bundle, streamed to disk and verified (rauc extract)`,
    },
    {
      name: "install throughput",
      value: mib / ((installedMs - uploadedMs) / 1000),
      unit: "MiB/s",
      note: "verified bundle written into slot B, up to the reboot",
    },
    {
      name: "RSS above idle during install",
      value: (peakKib - idleKib) / 1024,
      unit: "MiB",
      note: `peak ${(peakKib / 1024).toFixed(0)} MiB, idle ${
        (idleKib / 1024).toFixed(0)
      } MiB; target < 30`,
    },
    {
      name: "reboot to marked good",
      value: goodMs - installedMs,
      unit: "ms",
      note: "shutdown, boot loader, slot B's bundled program, health checks",
    },
  ];
}

if (import.meta.main) console.log(await run());
