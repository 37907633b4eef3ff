/**
 * Development keys and update bundles, for `deno task keygen` and `deno task bundle` and for
 * tests: a signing key with its certificate (openssl), and a RAUC bundle (verity format) of a
 * payload, signed with it. The development key lives in tests and on developers' machines,
 * never in an image.
 * @module
 */
import { join } from "node:path";
import { buildProgram } from "./program.ts";

async function run(cmd: string, args: string[], cwd?: string): Promise<void> {
  const out = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    ...(cwd ? { cwd } : {}),
  })
    .output();
  if (!out.success) {
    throw new Error(`${cmd} ${args[0]} failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

/** Makes `<dir>/<name>.key.pem` and `<dir>/<name>.cert.pem` (self-signed, 10 years). */
export async function makeSigningKey(
  dir: string,
  name = "development",
): Promise<{ key: string; cert: string }> {
  await Deno.mkdir(dir, { recursive: true });
  const key = join(dir, `${name}.key.pem`);
  const cert = join(dir, `${name}.cert.pem`);
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:3072",
    "-nodes",
    "-days",
    "3650",
    "-subj",
    `/O=ladewerk/CN=ladewerk update signing (${name})`,
    "-keyout",
    key,
    "-out",
    cert,
  ]);
  await Deno.chmod(key, 0o600);
  return { key, cert };
}

/** What goes into a bundle. */
export interface BundleSpec {
  key: string;
  cert: string;
  version: string;
  /** The hardware it is for. @default "ladewerk-sim" */
  compatible?: string;
  /** Running versions up to this one may go back to this bundle. */
  downgradeFrom?: string;
  /** The payload file (the application archive). */
  payload: string;
  out: string;
}

/** Builds a signed verity bundle with `rauc bundle`. */
export async function buildBundle(spec: BundleSpec): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-bundle-" });
  try {
    await Deno.copyFile(spec.payload, join(dir, "app.tar"));
    // RAUC wants more than one block of (compressed) bundle: a small payload gets random
    // padding beside it, which nothing reads.
    const size = (await Deno.stat(join(dir, "app.tar"))).size;
    if (size < 16384) {
      await Deno.writeFile(join(dir, "padding.bin"), crypto.getRandomValues(new Uint8Array(8192)));
    }
    const lines = [
      "[update]",
      `compatible=${spec.compatible ?? "ladewerk-sim"}`,
      `version=${spec.version}`,
      "",
      "[bundle]",
      "format=verity",
      "",
      ...(spec.downgradeFrom
        ? ["[meta.ladewerk]", `downgrade-from=${spec.downgradeFrom}`, ""]
        : []),
      "[image.rootfs]",
      "filename=app.tar",
      "",
    ];
    await Deno.writeTextFile(join(dir, "manifest.raucm"), lines.join("\n"));
    // What RAUC 1.8's manifest cannot say (it drops [meta.*]) travels as a signed file beside it.
    await Deno.writeTextFile(
      join(dir, "ladewerk.json"),
      JSON.stringify(spec.downgradeFrom ? { downgradeFrom: spec.downgradeFrom } : {}) + "\n",
    );
    await Deno.remove(spec.out).catch(() => {});
    await run("rauc", ["bundle", "--cert", spec.cert, "--key", spec.key, dir, spec.out]);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** The repository root. */
export const REPO_ROOT: string = new URL("../", import.meta.url).pathname;

/** What goes into an application payload. */
export interface PayloadSpec {
  version: string;
  out: string;
  /** A Deno runtime to carry as `bin/deno` (the aarch64 one for the image). */
  runtime?: string;
}

/**
 * The application payload a slot holds, as one tar: `bin/ladewerk.js` and its chunks (the
 * bundled program, `program.ts`), `ui/dist/` (the built UI), `version.json` (the
 * version the program reports), and with `runtime` the Deno binary as `bin/deno`. The UI
 * must be built first (`deno task build:ui`).
 */
export async function buildPayload(spec: PayloadSpec): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-payload-" });
  try {
    await Deno.mkdir(join(dir, "bin"));
    await buildProgram(join(dir, "bin", "ladewerk.js"));
    await Deno.mkdir(join(dir, "ui"));
    await run("cp", ["-r", join(REPO_ROOT, "ui", "dist"), join(dir, "ui", "dist")]);
    await Deno.writeTextFile(
      join(dir, "version.json"),
      JSON.stringify({ version: spec.version }) + "\n",
    );
    if (spec.runtime) {
      await Deno.copyFile(spec.runtime, join(dir, "bin", "deno"));
      await Deno.chmod(join(dir, "bin", "deno"), 0o755);
    }
    await run("tar", ["-cf", spec.out, "-C", dir, "."]);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
