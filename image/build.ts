/**
 * `deno task image -- [--out DIR] [--version X.Y.Z] [--runtime FILE]`: the aarch64 application
 * payload of the OS image, built here without the Deno CDN. Where a `denort` for aarch64 is at
 * hand (`DENORT_BIN`), `deno compile --target aarch64-unknown-linux-gnu` makes one binary;
 * otherwise the payload is the aarch64 Deno runtime (npm `@deno/linux-arm64-glibc`, the same
 * version as this Deno, or `--runtime FILE`) plus the program as one `deno bundle` file, and
 * the built UI. Writes `<out>/ladewerk-aarch64.tar`, the file the Yocto recipe
 * (`image/meta-ladewerk`) installs and an update bundle carries.
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SOURCE_VERSION } from "../station/version.ts";
import { buildPayload, REPO_ROOT } from "./tools.ts";
import { V8_FLAGS_OPTION } from "../v8_flags.ts";

/** The npm package of the aarch64 runtime of this Deno. */
export const AARCH64_RUNTIME_PACKAGE = `@deno/linux-arm64-glibc@${Deno.version.deno}`;

/** The aarch64 `deno` binary, fetched once from npm into `image/.cache/`. */
export async function aarch64Runtime(): Promise<string> {
  const cache = join(REPO_ROOT, "image", ".cache", `deno-aarch64-${Deno.version.deno}`);
  const bin = join(cache, "package", "deno");
  try {
    await Deno.stat(bin);
    return bin;
  } catch { /* fetched below */ }
  await Deno.mkdir(cache, { recursive: true });
  const pack = await new Deno.Command("npm", {
    args: ["pack", "--silent", AARCH64_RUNTIME_PACKAGE],
    cwd: cache,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!pack.success) {
    throw new Error(
      `npm pack ${AARCH64_RUNTIME_PACKAGE}: ${new TextDecoder().decode(pack.stderr)}`,
    );
  }
  const tgz = new TextDecoder().decode(pack.stdout).trim().split("\n").at(-1)!;
  const untar = await new Deno.Command("tar", { args: ["-xzf", tgz], cwd: cache }).output();
  if (!untar.success) throw new Error(`Cannot unpack ${tgz}`);
  await Deno.remove(join(cache, tgz));
  return bin;
}

/** Builds the aarch64 payload; returns its path. */
export async function buildImagePayload(
  o: { out: string; version: string; runtime?: string },
): Promise<string> {
  await Deno.mkdir(o.out, { recursive: true });
  const out = join(o.out, "ladewerk-aarch64.tar");
  const denort = Deno.env.get("DENORT_BIN");
  if (denort && !o.runtime) {
    // One self-contained binary; the UI and the version file are carried beside it.
    const dir = await Deno.makeTempDir({ prefix: "ladewerk-compile-" });
    try {
      await Deno.mkdir(join(dir, "bin"));
      const compile = await new Deno.Command(Deno.execPath(), {
        args: [
          "compile",
          "--target",
          "aarch64-unknown-linux-gnu",
          "--allow-all",
          V8_FLAGS_OPTION,
          "--output",
          join(dir, "bin", "ladewerk"),
          join(REPO_ROOT, "main.ts"),
        ],
        cwd: REPO_ROOT,
        env: { DENORT_BIN: denort },
      }).output();
      if (!compile.success) throw new Error("deno compile failed");
      await Deno.writeTextFile(join(dir, "version.json"), JSON.stringify({ version: o.version }));
      const cp = await new Deno.Command("cp", {
        args: ["-r", join(REPO_ROOT, "ui", "dist"), join(dir, "ui")],
      }).output();
      if (!cp.success) throw new Error("Cannot copy the UI");
      const tar = await new Deno.Command("tar", { args: ["-cf", out, "-C", dir, "."] }).output();
      if (!tar.success) throw new Error("tar failed");
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
    return out;
  }
  await buildPayload({ version: o.version, out, runtime: o.runtime ?? await aarch64Runtime() });
  return out;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      out: { type: "string", default: join(REPO_ROOT, "image", "out") },
      version: { type: "string", default: SOURCE_VERSION },
      runtime: { type: "string" },
    },
    strict: true,
  });
  if (!/^\d+\.\d+\.\d+$/.test(values.version)) {
    console.error("Usage: deno task image -- [--out DIR] [--version X.Y.Z] [--runtime FILE]");
    Deno.exit(2);
  }
  const startMs = performance.now();
  const out = await buildImagePayload({
    out: values.out,
    version: values.version,
    ...(values.runtime ? { runtime: values.runtime } : {}),
  });
  const size = (await Deno.stat(out)).size;
  console.log(
    `payload ${out} (${values.version}, ${(size / 1024 / 1024).toFixed(1)} MiB) in ` +
      `${Math.round(performance.now() - startMs)} ms`,
  );
}
