import assert from "node:assert/strict";
import { join } from "node:path";
import { buildBundle, makeSigningKey } from "../../image/tools.ts";
import { BundleRefused, compareVersions, parseIni, verifyBundle } from "./bundle.ts";

/** A scratch directory with two signing keys and a payload; the keyring trusts both. */
async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-bundle-test-" });
  const current = await makeSigningKey(dir, "current");
  const next = await makeSigningKey(dir, "next");
  const stranger = await makeSigningKey(dir, "stranger");
  const keyring = join(dir, "keyring.pem");
  await Deno.writeTextFile(
    keyring,
    (await Deno.readTextFile(current.cert)) + (await Deno.readTextFile(next.cert)),
  );
  const payload = join(dir, "payload.tar");
  await Deno.writeFile(payload, crypto.getRandomValues(new Uint8Array(60_000)));
  let n = 0;
  const bundle = async (o: {
    version: string;
    key?: { key: string; cert: string };
    compatible?: string;
    downgradeFrom?: string;
  }) => {
    const out = join(dir, `b${n++}.raucb`);
    const k = o.key ?? current;
    await buildBundle({
      key: k.key,
      cert: k.cert,
      version: o.version,
      payload,
      out,
      ...(o.compatible ? { compatible: o.compatible } : {}),
      ...(o.downgradeFrom ? { downgradeFrom: o.downgradeFrom } : {}),
    });
    return out;
  };
  const verify = (path: string, currentVersion = "0.1.0") =>
    verifyBundle(path, {
      keyring,
      compatible: "ladewerk-sim",
      currentVersion,
      into: join(dir, `x${n++}`),
    });
  return {
    dir,
    bundle,
    verify,
    stranger,
    next,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

async function refused(p: Promise<unknown>, code: BundleRefused["code"]): Promise<string> {
  const e = await p.then(() => null, (e) => e);
  assert.ok(e instanceof BundleRefused, `expected a refusal, got ${e}`);
  assert.equal(e.code, code, e.message);
  return e.message;
}

Deno.test("verifyBundle(): a bundle signed by a key of the keyring is unpacked with its version", async () => {
  await using t = await setup();
  const info = await t.verify(await t.bundle({ version: "0.2.0" }));
  assert.equal(info.version, "0.2.0");
  assert.equal(info.compatible, "ladewerk-sim");
  assert.equal((await Deno.stat(join(info.dir, "app.tar"))).size, 60_000);
  const rotated = await t.verify(await t.bundle({ version: "0.2.1", key: t.next }));
  assert.equal(rotated.version, "0.2.1", "the second certificate of the keyring is trusted too");
});

Deno.test("verifyBundle(): unknown key, a flipped byte, other hardware and a downgrade are refused", async () => {
  await using t = await setup();
  assert.match(
    await refused(t.verify(await t.bundle({ version: "0.2.0", key: t.stranger })), "signature"),
    /not trusted/,
  );
  const damaged = await t.bundle({ version: "0.2.0" });
  const bytes = await Deno.readFile(damaged);
  bytes[20_000] = bytes[20_000]! ^ 0xff;
  await Deno.writeFile(damaged, bytes);
  await refused(t.verify(damaged), "corrupt");
  assert.match(
    await refused(
      t.verify(await t.bundle({ version: "0.2.0", compatible: "other-box" })),
      "hardware",
    ),
    /other-box/,
  );
  assert.match(await refused(t.verify(await t.bundle({ version: "0.0.9" })), "downgrade"), /older/);
  const allowed = await t.verify(await t.bundle({ version: "0.0.9", downgradeFrom: "0.1.0" }));
  assert.equal(allowed.version, "0.0.9", "the bundle allows going back from 0.1.0");
  await refused(
    t.verify(await t.bundle({ version: "0.0.9", downgradeFrom: "0.1.0" }), "0.1.1"),
    "downgrade",
  );
  const notABundle = join(t.dir, "random.raucb");
  await Deno.writeFile(notABundle, crypto.getRandomValues(new Uint8Array(10_000)));
  await refused(t.verify(notABundle), "format");
});

Deno.test("compareVersions() and parseIni()", () => {
  assert.ok(compareVersions("0.10.0", "0.9.9") > 0);
  assert.equal(compareVersions("1.2.3", "1.2.3"), 0);
  assert.ok(compareVersions("1.2.3", "1.3.0") < 0);
  const ini = parseIni("[update]\ncompatible = x\n# note\n[image.rootfs]\nfilename=app.tar\n");
  assert.equal(ini.get("update")?.get("compatible"), "x");
  assert.equal(ini.get("image.rootfs")?.get("filename"), "app.tar");
});
