/**
 * `deno task image:test` (`check.ts`, not `test.ts`: deno test must not pick it up): the
 * emulated device, a long check outside CI (issue 11). Builds the
 * arm64 device (`build.ts`) and boots it in `qemu-system-aarch64` (TCG: no KVM for arm64
 * here), then, through the station's web API as a technician would:
 *
 * 1. a good bundle (0.2.0) installs into B, the device reboots, B is marked good, 0.2.0 shown;
 * 2. a bundle whose program cannot start (0.3.0) installs into A: A boots three times, then
 *    U-Boot boots B again, and the Software API says "rolled back" to 0.2.0 and why;
 * 3. the power is cut (qemu killed) in the middle of installing 0.4.0: B, 0.2.0, boots.
 *
 * Prints each step's duration; exits non-zero on the first failed expectation. Run as root
 * (the device's root tree keeps its owners). Work files: `image/.cache/device/`.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { aarch64Runtime, buildImagePayload } from "../build.ts";
import { makeSigningKey } from "../tools.ts";
import {
  baseRoot,
  DEVICE_CACHE,
  deviceBundle,
  makeDisk,
  makeRoot,
  type RootSpec,
  sh,
} from "./build.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const UBOOT = "/usr/lib/u-boot/qemu_arm64/u-boot.bin";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    return l.addr.port;
  } finally {
    l.close();
  }
}
const PASSWORD = "24110001";
/** Terminal escape sequences on the console (colours, cursor moves). */
const ANSI = new RegExp(String.fromCharCode(27) + "\\[[0-9;?]*[A-Za-z]", "g");

const t0 = performance.now();
const stamp = () => `${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s`;
const say = (s: string) => console.log(`${stamp()}  ${s}`);

/** The emulated board: one qemu process over the disk; its console lines are kept. */
class Device {
  #child: Deno.ChildProcess | undefined;
  lines: string[] = [];
  #log: Deno.FsFile;
  #waiters = new Set<() => void>();

  /** The host port forwarded to the station's HTTP port, picked anew at each power-on. */
  port = 0;
  #exited = true;

  constructor(readonly disk: string, logFile: string) {
    this.#log = Deno.openSync(logFile, { create: true, append: true, write: true });
  }

  powerOn(): void {
    this.port = freePort();
    this.#exited = false;
    this.#child = new Deno.Command("qemu-system-aarch64", {
      args: [
        "-M",
        "virt",
        "-cpu",
        "cortex-a72",
        "-smp",
        "2",
        "-m",
        "2048",
        "-bios",
        UBOOT,
        "-nographic",
        "-monitor",
        "none",
        "-serial",
        "stdio",
        "-drive",
        `if=none,file=${this.disk},format=raw,id=hd,cache=writeback`,
        "-device",
        "virtio-blk-pci,drive=hd",
        "-netdev",
        `user,id=n0,hostfwd=tcp:127.0.0.1:${this.port}-:8443`,
        "-device",
        "virtio-net-pci,netdev=n0",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const read = async (s: ReadableStream<Uint8Array>) => {
      let rest = "";
      for await (const t of s.pipeThrough(new TextDecoderStream())) {
        this.#log.writeSync(new TextEncoder().encode(t));
        const parts = (rest + t).split(/\r?\n/);
        rest = parts.pop() ?? "";
        for (const l of parts) this.lines.push(l.replace(ANSI, ""));
        for (const w of this.#waiters) w();
      }
    };
    void read(this.#child.stdout);
    void read(this.#child.stderr);
    void this.#child.status.then(() => {
      this.#exited = true;
      for (const w of this.#waiters) w();
    });
  }

  /** Throws when QEMU is gone (it exits on a bad option, a failed host forwarding, ...). */
  assertRunning(): void {
    if (this.#exited) {
      throw new Error(`QEMU exited: ${this.lines.slice(-3).join(" | ")}`);
    }
  }

  /** Pulls the plug. */
  async powerCut(): Promise<void> {
    if (!this.#child) return;
    try {
      this.#child.kill("SIGKILL");
    } catch { /* gone */ }
    await this.#child.status;
    this.#child = undefined;
  }

  /** The slots U-Boot booted (from its script's line), in order. */
  boots(): string[] {
    return this.lines.flatMap((l) => {
      const m = /ladewerk: booting slot ([AB])/.exec(l);
      return m ? [m[1]!] : [];
    });
  }

  /** Resolves when `pred` holds over the console lines. */
  async waitLines(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred()) {
      this.assertRunning();
      if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const w = () => {
          this.#waiters.delete(w);
          resolve();
        };
        this.#waiters.add(w);
        setTimeout(w, 1000);
      });
    }
  }

  url(path: string): string {
    // HTTPS: the station redirects plain HTTP from other hosts, and QEMU's user network makes
    // the host one (10.0.2.2). Its certificate is self-signed: the task passes
    // --unsafely-ignore-certificate-errors=127.0.0.1.
    return `https://127.0.0.1:${this.port}${path}`;
  }

  close(): void {
    this.#log.close();
  }
}

async function login(d: Device): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(d.url("/api/login"), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: "admin", password: PASSWORD }),
    signal: AbortSignal.timeout(30_000),
  });
  if (res.status !== 200) throw new Error(`Login failed: ${res.status} ${await res.text()}`);
  const body = await res.json();
  return { cookie: (res.headers.get("set-cookie") ?? "").split(";")[0]!, csrf: body.csrfToken };
}

async function software(d: Device): Promise<Json | undefined> {
  try {
    const who = await login(d);
    const res = await fetch(d.url("/api/software"), {
      headers: { cookie: who.cookie },
      signal: AbortSignal.timeout(30_000),
    });
    return res.status === 200 ? await res.json() : undefined;
  } catch {
    return undefined;
  }
}

/** Polls the Software API until `pred` holds. */
async function waitSoftware(
  d: Device,
  pred: (s: Json) => boolean,
  timeoutMs: number,
  what: string,
): Promise<Json> {
  const end = Date.now() + timeoutMs;
  let last: Json;
  while (Date.now() < end) {
    d.assertRunning();
    const s = await software(d);
    if (s) last = s;
    if (s && pred(s)) return s;
    await new Promise((r) => setTimeout(r, 3000));
  }
  throw new Error(`Timed out waiting for ${what}; last: ${JSON.stringify(last?.update ?? null)}`);
}

async function upload(d: Device, bundle: string): Promise<Json> {
  const who = await login(d);
  const file = await Deno.open(bundle);
  const size = (await file.stat()).size;
  const res = await fetch(d.url("/api/software/update"), {
    method: "POST",
    headers: {
      cookie: who.cookie,
      "x-csrf-token": who.csrf,
      "content-type": "application/octet-stream",
      "content-length": String(size),
    },
    body: file.readable,
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

const slotsOf = (s: Json) =>
  (s.update.slots as Json[]).map((x) => `${x.slot}:${x.version ?? "-"}`).join(" ");

/** Debian packages this check needs on the host; installed when missing. */
const HOST_PACKAGES = [
  "mmdebstrap",
  "arch-test",
  "binfmt-support",
  "qemu-user-static",
  "qemu-system-arm",
  "ipxe-qemu",
  "u-boot-qemu",
  "u-boot-tools",
  "libubootenv-tool",
  "rauc",
  "squashfs-tools",
  "e2fsprogs",
  "dosfstools",
  "mtools",
  "fdisk",
];

async function ensureHostPackages(): Promise<void> {
  const q = await new Deno.Command("dpkg-query", {
    args: ["-W", "-f", "${Package} ${Status}\\n", ...HOST_PACKAGES],
    stdout: "piped",
    stderr: "null",
  }).output();
  const ok = new Set(
    new TextDecoder().decode(q.stdout).split("\n").filter((l) => l.endsWith("install ok installed"))
      .map((l) => l.split(" ")[0]),
  );
  const missing = HOST_PACKAGES.filter((p) => !ok.has(p));
  if (missing.length > 0) {
    say(`apt-get install ${missing.join(" ")}`);
    await sh("apt-get", ["update", "-q"]);
    await sh("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing]);
  }
  // mmdebstrap runs the arm64 root's maintainer scripts through binfmt_misc.
  await sh("sh", [
    "-c",
    "mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc " +
    "/proc/sys/fs/binfmt_misc; update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true",
  ]);
}

async function main() {
  const args = parseArgs({
    args: Deno.args,
    options: {
      rebuild: { type: "boolean", default: false },
      // Only the first N steps (1: boot only, no bundles built).
      steps: { type: "string", default: "4" },
    },
  });
  const steps = Number(args.values.steps);
  if (Deno.uid() !== 0) throw new Error("Run as root: the device's root tree keeps its owners");
  await ensureHostPackages();
  const work = join(DEVICE_CACHE, "run");
  if (args.values.rebuild) await Deno.remove(work, { recursive: true }).catch(() => {});
  await Deno.mkdir(work, { recursive: true });

  // Build: keys (two certificates in the keyring), payload, root A, disk, three bundles.
  say("building the device");
  const keys = await makeSigningKey(join(work, "keys"), "development");
  const next = await makeSigningKey(join(work, "keys"), "next");
  const keyring = join(work, "keys", "keyring.pem");
  await Deno.writeTextFile(
    keyring,
    (await Deno.readTextFile(keys.cert)) + (await Deno.readTextFile(next.cert)),
  );
  const payload = await buildImagePayload({
    out: join(work, "payload"),
    version: "0.1.0",
    runtime: await aarch64Runtime(),
  });
  const base = await baseRoot(say);
  const root = join(work, "root");
  const spec = (version: string, program?: string): RootSpec => ({
    payload,
    keyring,
    version,
    ...(program !== undefined ? { program } : {}),
  });
  const bundles = {
    good: join(work, "good-0.2.0.raucb"),
    broken: join(work, "broken-0.3.0.raucb"),
    cut: join(work, "good-0.4.0.raucb"),
  };
  const made: [string, RootSpec, { key: string; cert: string }][] = [
    [bundles.good, spec("0.2.0"), keys],
    [bundles.broken, spec("0.3.0", 'console.error("broken build"); Deno.exit(1);\n'), keys],
    // Signed with the second key of the keyring: a rotated key is trusted too.
    [bundles.cut, spec("0.4.0"), next],
  ];
  for (const [out, s, key] of steps > 1 ? made : []) {
    await makeRoot(base, root, s);
    await deviceBundle({ root, version: s.version, ...key, out, work });
    say(`bundle ${s.version}: ${((await Deno.stat(out)).size / 2 ** 20).toFixed(0)} MiB`);
  }
  await makeRoot(base, root, spec("0.1.0"));
  const disk = join(work, "disk.img");
  await makeDisk({ out: disk, rootA: root, work });
  await Deno.remove(root, { recursive: true });
  say("device built");

  await Deno.remove(join(work, "console.log")).catch(() => {});
  const d = new Device(disk, join(work, "console.log"));
  const results: string[] = [];
  const step = async (name: string, fn: () => Promise<string>) => {
    const s0 = performance.now();
    const detail = await fn();
    const line = `${name}: ${((performance.now() - s0) / 1000).toFixed(0)} s — ${detail}`;
    results.push(line);
    say(line);
  };
  try {
    d.powerOn();
    await step("first boot to marked good", async () => {
      const s = await waitSoftware(
        d,
        (s) => s.update.booted === "A" && s.update.phase === "idle",
        20 * 60_000,
        "the first boot",
      );
      assert.equal(s.versions.app, "0.1.0");
      assert.equal(s.update.backend, "rauc");
      return `slot A, ${s.versions.app}, slots ${slotsOf(s)}`;
    });

    if (steps < 2) return;
    await step("install 0.2.0 through the web, reboot, marked good", async () => {
      const before = d.boots().length;
      await upload(d, bundles.good);
      await d.waitLines(() => d.boots().length > before, 20 * 60_000, "the reboot");
      const s = await waitSoftware(
        d,
        (s) => s.versions.app === "0.2.0" && s.update.phase === "idle",
        20 * 60_000,
        "0.2.0 marked good",
      );
      assert.equal(s.update.booted, "B");
      assert.equal(s.update.last?.outcome, "installed");
      assert.deepEqual(d.boots().slice(before), ["B"]);
      return `booted ${d.boots().slice(before).join(",")}; slots ${slotsOf(s)}`;
    });

    if (steps < 3) return;
    await step("install 0.3.0 that cannot start: three boots, then rolled back", async () => {
      const before = d.boots().length;
      await upload(d, bundles.broken);
      await d.waitLines(
        () => d.boots().slice(before).includes("B"),
        60 * 60_000,
        "the old slot to boot again",
      );
      const s = await waitSoftware(
        d,
        (s) => s.update.phase === "idle" && s.update.last?.version === "0.3.0",
        20 * 60_000,
        "the rollback",
      );
      const seq = d.boots().slice(before);
      assert.deepEqual(seq, ["A", "A", "A", "B"], `boots after the broken install: ${seq}`);
      assert.equal(s.versions.app, "0.2.0");
      assert.equal(s.update.booted, "B");
      assert.equal(s.update.last.outcome, "rolledBack");
      return `boots ${seq.join(",")}; "${s.update.last.reason}"`;
    });

    if (steps < 4) return;
    await step("power cut while installing 0.4.0: the old slot boots", async () => {
      await upload(d, bundles.cut);
      let percent = 0;
      await waitSoftware(
        d,
        (s) => {
          percent = s.update.percent ?? 0;
          return s.update.phase === "installing" && percent >= 20;
        },
        20 * 60_000,
        "the install to be under way",
      );
      await d.powerCut();
      const before = d.boots().length;
      d.powerOn();
      await d.waitLines(() => d.boots().length > before, 10 * 60_000, "a boot after the cut");
      const s = await waitSoftware(
        d,
        (s) => s.update.phase === "idle" && s.update.booted !== null,
        20 * 60_000,
        "the station after the cut",
      );
      assert.equal(s.update.booted, "B");
      assert.equal(s.versions.app, "0.2.0");
      return `cut at ${percent}%; booted ${d.boots().slice(before).join(",")}, ${s.versions.app}`;
    });
  } finally {
    await d.powerCut();
    d.close();
    console.log("\nemulated device:");
    for (const r of results) console.log(`  ${r}`);
    console.log(`  total ${stamp().trim()}; console log ${join(work, "console.log")}`);
  }
}

await main();
