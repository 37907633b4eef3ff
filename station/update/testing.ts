/**
 * Test helpers for updates: signing keys with a keyring that trusts two of them, small
 * payloads holding a given program, and signed bundles of them.
 * @module
 */
import { join } from "../path.ts";
import { buildBundle, makeSigningKey } from "../../image/tools.ts";

/** A signing key and its certificate. */
export interface Key {
  key: string;
  cert: string;
}

/** A scratch folder with keys: `current` and `next` in the keyring, `stranger` not. */
export interface UpdateKit extends AsyncDisposable {
  dir: string;
  keyring: string;
  current: Key;
  next: Key;
  stranger: Key;
  /** A payload tar: `bin/ladewerk.js` with `program`, `version.json`, padding to `bytes`. */
  payload(o: { version: string; program?: string; bytes?: number }): Promise<string>;
  /** A signed bundle of a payload (by default a stub program that only prints). */
  bundle(o: {
    version: string;
    key?: Key;
    compatible?: string;
    downgradeFrom?: string;
    payload?: string;
  }): Promise<string>;
}

let made = 0;

/** Makes the keys (a second each, openssl) and a scratch folder removed on dispose. */
export async function updateKit(): Promise<UpdateKit> {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-update-kit-" });
  const [current, next, stranger] = await Promise.all(
    ["current", "next", "stranger"].map((n) => makeSigningKey(dir, n)),
  );
  const keyring = join(dir, "keyring.pem");
  await Deno.writeTextFile(
    keyring,
    (await Deno.readTextFile(current!.cert)) + (await Deno.readTextFile(next!.cert)),
  );
  const payload: UpdateKit["payload"] = async (o) => {
    const tree = join(dir, `tree-${made++}`);
    await Deno.mkdir(join(tree, "bin"), { recursive: true });
    await Deno.writeTextFile(
      join(tree, "bin", "ladewerk.js"),
      o.program ?? `console.log("ladewerk ${o.version}");\n`,
    );
    await Deno.writeTextFile(join(tree, "version.json"), JSON.stringify({ version: o.version }));
    if (o.bytes) await Deno.writeFile(join(tree, "filler.bin"), new Uint8Array(o.bytes));
    const out = `${tree}.tar`;
    const tar = await new Deno.Command("tar", { args: ["-cf", out, "-C", tree, "."] }).output();
    if (!tar.success) throw new Error("tar failed");
    return out;
  };
  return {
    dir,
    keyring,
    current: current!,
    next: next!,
    stranger: stranger!,
    payload,
    async bundle(o) {
      const out = join(dir, `bundle-${made++}.raucb`);
      const k = o.key ?? current!;
      await buildBundle({
        key: k.key,
        cert: k.cert,
        version: o.version,
        payload: o.payload ?? await payload({ version: o.version }),
        out,
        ...(o.compatible ? { compatible: o.compatible } : {}),
        ...(o.downgradeFrom ? { downgradeFrom: o.downgradeFrom } : {}),
      });
      return out;
    },
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}
