import assert from "node:assert/strict";
import * as node from "node:path";
import { dirname, extname, join, normalize, resolve } from "./path.ts";

const SAMPLES = [
  "",
  ".",
  "..",
  "/",
  "//",
  "///",
  "a",
  "a/",
  "/a",
  "/a/",
  "a/b",
  "a//b",
  "a/./b",
  "a/../b",
  "../a",
  "../../a/..",
  "/../a",
  "/a/b/../../..",
  "a/b/c/",
  "./",
  "./a",
  "//a",
  "//a/b",
  "/a/b.txt",
  "a.tar.gz",
  ".bashrc",
  "/x/.bashrc",
  "a.",
  "a..",
  "..a",
  ".a.b",
  "dir.d/",
  "dir.d/file",
  "/data/logs/ladewerk.log.1",
];

Deno.test("normalize(), dirname() and extname() answer as node:path's POSIX functions", () => {
  for (const p of SAMPLES) {
    assert.equal(normalize(p), node.posix.normalize(p), `normalize(${JSON.stringify(p)})`);
    assert.equal(dirname(p), node.posix.dirname(p), `dirname(${JSON.stringify(p)})`);
    assert.equal(extname(p), node.posix.extname(p), `extname(${JSON.stringify(p)})`);
  }
});

Deno.test("join() and resolve() answer as node:path's POSIX functions", () => {
  const pairs = SAMPLES.flatMap((a) => ["", "b", "../c", "/abs", "d/", "."].map((b) => [a, b]));
  for (const parts of [[], [""], ["", ""], ...pairs, ["a", "", "b"], ["/r", "x", "..", "y"]]) {
    assert.equal(join(...parts), node.posix.join(...parts), `join(${JSON.stringify(parts)})`);
    assert.equal(
      resolve(...parts),
      node.posix.resolve(...parts),
      `resolve(${JSON.stringify(parts)})`,
    );
  }
});
