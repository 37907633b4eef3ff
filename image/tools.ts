/**
 * Development keys and update bundles, for `deno task keygen` and `deno task bundle` and for
 * tests: a signing key with its certificate (openssl), and a RAUC bundle (verity format) of a
 * payload, signed with it. The development key lives in tests and on developers' machines,
 * never in an image.
 * @module
 */
import { join } from "node:path";

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
    // Verity needs more than one block of payload: a small one is padded.
    const size = (await Deno.stat(join(dir, "app.tar"))).size;
    if (size < 8192) {
      const f = await Deno.open(join(dir, "app.tar"), { append: true });
      await f.write(new Uint8Array(8192 - size));
      f.close();
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

/** The tracked files of the repository and the built UI, as one tar archive. */
export async function archiveTree(out: string): Promise<void> {
  const list = await new Deno.Command("git", {
    args: ["ls-files"],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!list.success) {
    throw new Error(`git ls-files failed: ${new TextDecoder().decode(list.stderr).trim()}`);
  }
  const files = new TextDecoder().decode(list.stdout).split("\n").filter(Boolean);
  const listFile = await Deno.makeTempFile();
  await Deno.writeTextFile(listFile, [...files, "ui/dist"].join("\n"));
  try {
    await run("tar", ["-cf", out, "-T", listFile]);
  } finally {
    await Deno.remove(listFile);
  }
}
