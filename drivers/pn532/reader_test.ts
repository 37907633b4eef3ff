import assert from "node:assert/strict";
import { PtyPair } from "../../tests/helpers/pty.ts";
import { Pn532Emulator } from "./emulator.ts";
import { cutFrame, frame, TFI_HOST } from "./frame.ts";
import { Pn532Reader } from "./reader.ts";

async function until(what: string, ok: () => boolean, ms = 3000): Promise<void> {
  const end = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`Not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("pn532 frames: the manual's GetFirmwareVersion frame; noise and bad checksums", () => {
  // "00 00 FF 02 FE D4 02 2A 00" — GetFirmwareVersion in the PN532 User Manual.
  assert.deepEqual([...frame(TFI_HOST, [0x02])], [0, 0, 0xff, 2, 0xfe, 0xd4, 0x02, 0x2a, 0]);
  const f = cutFrame(new Uint8Array([0x13, 0x37, ...frame(0xd5, [0x03, 0x32, 1, 6, 7])]));
  assert.equal(f?.kind, "frame");
  const bad = frame(0xd5, [0x03]);
  bad[6] = bad[6]! ^ 1;
  assert.equal(cutFrame(bad)?.kind, "bad");
});

Deno.test("pn532 reader: a card's UID once until taken away; a dead reader is ReaderFailure until it answers", async () => {
  await using pty = await PtyPair.open();
  await using pn = await Pn532Emulator.open(pty.b);
  await using reader = new Pn532Reader({ path: pty.a, pollMs: 30, timeoutMs: 150 });
  const tokens: string[] = [];
  const faults: string[] = [];
  reader.onToken((t) => tokens.push(t));
  reader.onFault((c, a) => faults.push(`${c}:${a}`));
  reader.start();
  await until("polling", () => pn.commands.filter((c) => c === 0x4a).length > 2);
  assert.deepEqual(pn.commands.slice(0, 2), [0x02, 0x14], "firmware, then SAM configuration");
  assert.equal(reader.firmware, "PN532 1.6");
  pn.card = "04A1B2C3D4E5F6";
  await until("card read", () => tokens.length === 1);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(tokens, ["04A1B2C3D4E5F6"], "once while it lies there");
  pn.card = undefined;
  await new Promise((r) => setTimeout(r, 200));
  pn.card = "04A1B2C3D4E5F6";
  await until("presented again", () => tokens.length === 2);
  pn.silent = true;
  await until("reader failure", () => faults.includes("ReaderFailure:true"));
  pn.silent = false;
  await until("back", () => faults.includes("ReaderFailure:false"), 5000);
});
