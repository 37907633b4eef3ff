import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { FirmwareServer, UploadServer } from "../../tests/helpers/transfer_server.ts";
import { download, transferUrl, upload, withRetries } from "./transfer.ts";

const content = new Uint8Array(300_000).map((_, i) => (i * 7) % 256);
const sha256 = createHash("sha256").update(content).digest("hex");

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-transfer-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("download() streams to disk with size and sha256; a cut body fails and leaves nothing", async () => {
  await inTempDir(async (dir) => {
    await using server = new FirmwareServer(content, (n) => (n === 0 ? "cut" : "ok"));
    const path = join(dir, "fw.bin");
    await assert.rejects(download(new URL(server.url()), path));
    assert.deepEqual([...Deno.readDirSync(dir)], [], "no partial file left");
    const file = await download(new URL(server.url()), path);
    assert.deepEqual(file, { path, bytes: content.length, sha256 });
    assert.deepEqual(await Deno.readFile(path), content);
  });
});

Deno.test("withRetries() tries attempts times, intervalMs apart, and rethrows the last error", async () => {
  const seen: number[] = [];
  const startedMs = Date.now();
  await assert.rejects(
    withRetries((n) => Promise.reject(new Error(`fail ${n}`)), {
      attempts: 3,
      intervalMs: 50,
      onFailure: (n) => seen.push(n),
    }),
    /fail 3/,
  );
  assert.deepEqual(seen, [1, 2, 3]);
  assert.ok(Date.now() - startedMs >= 100);
  assert.equal(await withRetries((n) => Promise.resolve(n), { attempts: 1, intervalMs: 0 }), 1);
});

Deno.test("upload() PUTs with a Content-Length; on 405 it POSTs a multipart form", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "d.tar.gz");
    await Deno.writeFile(path, content);
    await using put = new UploadServer();
    assert.equal(await upload(new URL(put.url("/up/d.tar.gz")), path, "d.tar.gz"), "PUT");
    assert.equal(put.uploads[0]!.contentLength, String(content.length));
    assert.deepEqual(put.uploads[0]!.body, content);

    await using post = new UploadServer((_, method) => (method === "PUT" ? 405 : 201));
    assert.equal(await upload(new URL(post.url("/up")), path, "d.tar.gz"), "POST");
    assert.deepEqual(post.uploads.map((u) => u.method), ["PUT", "POST"]);
    assert.equal(post.uploads[1]!.fileName, "d.tar.gz");
    assert.deepEqual(post.uploads[1]!.body, content);

    await using refuse = new UploadServer(() => 500);
    await assert.rejects(upload(new URL(refuse.url()), path, "d.tar.gz"), /HTTP 500/);
  });
});

Deno.test("transferUrl() takes http and https only", () => {
  assert.equal(transferUrl("https://example.com/f.bin").protocol, "https:");
  assert.throws(() => transferUrl("ftp://example.com/f.bin"), /only HTTP and HTTPS/);
  assert.throws(() => transferUrl("not a url"), RangeError);
});

Deno.test("download() refuses a file bigger than the room it may take, declared or streamed", async () => {
  await inTempDir(async (dir) => {
    await using server = new FirmwareServer(content, () => "ok");
    const path = join(dir, "fw.bin");
    await assert.rejects(
      download(new URL(server.url()), path, { maxBytes: 1000 }),
      /Not enough free space/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing written");
    const file = await download(new URL(server.url()), path, { maxBytes: content.length });
    assert.equal(file.bytes, content.length);
  });
});
