/**
 * The built web interface (`ui/dist/`): `index.html` at `/` and for every path without a file
 * extension, assets with their type, ETag, gzip when the browser accepts it, and a long cache
 * for names that carry a content hash.
 * @module
 */
import { extname, join, normalize } from "../station/path.ts";
import type { Context, Hono } from "hono";
import type { AppEnv } from "./context.ts";

/** Where `deno task build:ui` puts the web interface. */
export const DEFAULT_UI_DIR: string = decodeURIComponent(
  new URL("../ui/dist/", import.meta.url).pathname,
);

/** The answer while the web interface is not built. */
export const UI_NOT_BUILT = "UI not built: run deno task build:ui";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".webmanifest": "application/manifest+json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8",
};
const COMPRESSIBLE = new Set([".html", ".js", ".mjs", ".css", ".json", ".map", ".svg", ".txt"]);
/** `app-5XHJ2K3L.js`, `chunk.3f2a1b9c0d.css`: a name that changes with the content. */
const HASHED = /[.-][A-Za-z0-9_]{8,}\.[a-z0-9]+$/;
const LONG_CACHE = "public, max-age=31536000, immutable";

interface CachedFile {
  mtimeMs: number;
  size: number;
  etag: string;
  body: Uint8Array<ArrayBuffer>;
  gzip?: Uint8Array<ArrayBuffer>;
}

async function gzip(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Serves files of `uiDir`, reading each again only when it changed on disk. */
export class StaticFiles {
  #dir: string;
  #cache = new Map<string, CachedFile>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  async #load(rel: string): Promise<CachedFile | undefined> {
    const path = join(this.#dir, rel);
    let stat: Deno.FileInfo;
    try {
      stat = await Deno.stat(path);
    } catch {
      return undefined;
    }
    if (!stat.isFile) return undefined;
    const mtimeMs = stat.mtime?.getTime() ?? 0;
    const cached = this.#cache.get(rel);
    if (cached && cached.mtimeMs === mtimeMs && cached.size === stat.size) return cached;
    const body = await Deno.readFile(path);
    const file: CachedFile = {
      mtimeMs,
      size: body.length,
      etag: `"${body.length.toString(36)}-${Math.floor(mtimeMs).toString(36)}"`,
      body,
    };
    if (COMPRESSIBLE.has(extname(rel)) && body.length > 512) file.gzip = await gzip(body);
    this.#cache.set(rel, file);
    return file;
  }

  /** Answers a GET or HEAD of `c.req.path`. */
  async serve(c: Context<AppEnv>): Promise<Response> {
    let rel: string;
    try {
      rel = decodeURIComponent(c.req.path);
    } catch {
      return c.text("Not found", 404);
    }
    rel = normalize(rel).replace(/^\/+/, "");
    if (rel.split("/").includes("..") || rel.includes("\0")) return c.text("Not found", 404);
    if (rel === "" || rel.endsWith("/")) rel += "index.html";
    let file = await this.#load(rel);
    if (!file && extname(rel) === "") {
      rel = "index.html";
      file = await this.#load(rel);
    }
    if (!file) {
      if (rel === "index.html") return c.text(UI_NOT_BUILT, 503);
      return c.text("Not found", 404);
    }
    const headers: Record<string, string> = {
      "Content-Type": TYPES[extname(rel)] ?? "application/octet-stream",
      "ETag": file.etag,
      "Vary": "Accept-Encoding",
      "Cache-Control": rel === "index.html"
        ? "no-cache"
        : HASHED.test(rel) || c.req.query("v")
        ? LONG_CACHE
        : "no-cache",
    };
    if (c.req.header("If-None-Match") === file.etag) return c.body(null, 304, headers);
    const acceptsGzip = /\bgzip\b/.test(c.req.header("Accept-Encoding") ?? "");
    const body = acceptsGzip && file.gzip ? file.gzip : file.body;
    if (body === file.gzip) headers["Content-Encoding"] = "gzip";
    headers["Content-Length"] = String(body.length);
    if (c.req.method === "HEAD") return c.body(null, 200, headers);
    return c.body(body, 200, headers);
  }
}

/** Adds the web interface's routes (everything outside `/api`) to `app`. */
export function serveUi(app: Hono<AppEnv>, uiDir: string): void {
  const files = new StaticFiles(uiDir);
  app.on(["GET", "HEAD"], "*", async (c, next) => {
    if (c.req.path === "/api" || c.req.path.startsWith("/api/")) return await next();
    return await files.serve(c);
  });
}
