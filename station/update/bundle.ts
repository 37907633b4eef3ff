/**
 * Checks an update bundle with RAUC's own tools before anything is installed: `rauc extract
 * --keyring` verifies the signature (CMS, against the keyring in the image) and the payload
 * (dm-verity hash tree, checked while reading, so a flipped byte anywhere is found) and
 * unpacks it; the manifest then says which hardware it is for and which version it brings. A
 * bundle for other hardware is refused; so is one older than the running version, unless the
 * bundle itself allows that downgrade: `ladewerk.json` in the bundle (signed with it, since
 * RAUC 1.8 drops `[meta.*]` manifest sections) with `{ "downgradeFrom": "X.Y.Z" }` lets it
 * replace running versions up to X.Y.Z.
 * @module
 */
import { join } from "../path.ts";
import * as z from "zod";

/** What a verified bundle is. */
export interface BundleInfo {
  compatible: string;
  version: string;
  /** A downgrade to this bundle is allowed from versions up to this one (inclusive). */
  downgradeFrom?: string;
  /** The unpacked payload and manifest. */
  dir: string;
}

/** Why a bundle is refused. */
export class BundleRefused extends Error {
  constructor(
    readonly code: "signature" | "corrupt" | "hardware" | "downgrade" | "format",
    message: string,
  ) {
    super(message);
    this.name = "BundleRefused";
  }
}

const SemVer = z.string().regex(/^\d+\.\d+\.\d+$/, "Must be a version like 1.2.3");

/** Compares two x.y.z versions: negative, 0 or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The sections and keys of an INI file such as a RAUC manifest. */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!.trim(), current);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq > 0 && current) current.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return sections;
}

/** Options of {@linkcode verifyBundle}. */
export interface VerifyOptions {
  /** PEM file with the trusted certificates (one or more, so a key can be rotated). */
  keyring: string;
  /** The hardware the station is (RAUC `compatible`). */
  compatible: string;
  /** The running version. */
  currentVersion: string;
  /** Where to unpack; must not exist yet. */
  into: string;
  /** @default "rauc" */
  rauc?: string;
}

/** Verifies and unpacks a bundle; throws {@linkcode BundleRefused} with the reason. */
export async function verifyBundle(path: string, o: VerifyOptions): Promise<BundleInfo> {
  const out = await new Deno.Command(o.rauc ?? "rauc", {
    args: ["extract", "--keyring", o.keyring, path, o.into],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
  if (!out.success) {
    await Deno.remove(o.into, { recursive: true }).catch(() => {});
    const last = text.trim().split("\n").at(-1) ?? "rauc extract failed";
    if (/invalid bundle format/i.test(text)) {
      throw new BundleRefused("format", `Not a valid update bundle: ${last}`);
    }
    if (/payload is corrupted|verification of data area failed/i.test(text)) {
      throw new BundleRefused("corrupt", `The bundle is damaged: ${last}`);
    }
    if (/signature verification failed|verify error|certificate/i.test(text)) {
      throw new BundleRefused("signature", `Signature not trusted: ${last}`);
    }
    throw new BundleRefused("format", `Not a valid update bundle: ${last}`);
  }
  const manifest = parseIni(await Deno.readTextFile(join(o.into, "manifest.raucm")));
  const update = manifest.get("update");
  const compatible = update?.get("compatible") ?? "";
  const version = SemVer.safeParse(update?.get("version"));
  const refuse = async (code: BundleRefused["code"], message: string) => {
    await Deno.remove(o.into, { recursive: true }).catch(() => {});
    return new BundleRefused(code, message);
  };
  if (!version.success) throw await refuse("format", "The bundle's version is not x.y.z");
  if (compatible !== o.compatible) {
    throw await refuse(
      "hardware",
      `The bundle is for ${compatible || "unknown hardware"}, this station is ${o.compatible}`,
    );
  }
  const extra = z.object({ downgradeFrom: SemVer.optional() }).safeParse(
    JSON.parse(await Deno.readTextFile(join(o.into, "ladewerk.json")).catch(() => "{}")),
  );
  if (!extra.success) throw await refuse("format", "The bundle's ladewerk.json is not valid");
  const downgradeFrom = extra.data.downgradeFrom;
  if (compareVersions(version.data, o.currentVersion) < 0) {
    const allowed = downgradeFrom !== undefined &&
      compareVersions(o.currentVersion, downgradeFrom) <= 0;
    if (!allowed) {
      throw await refuse(
        "downgrade",
        `Version ${version.data} is older than the running ${o.currentVersion} and does not ` +
          "allow going back to it",
      );
    }
  }
  return {
    compatible,
    version: version.data,
    ...(downgradeFrom ? { downgradeFrom } : {}),
    dir: o.into,
  };
}
