/**
 * HTTP servers for the file transfers of OCPP tests: one that serves a firmware file (raw
 * HTTP/1.1 over TCP, so that it can close the connection halfway through a body), and one that
 * receives diagnostics uploads (`Deno.serve`). Both on port 0, both record every request.
 * @module
 */

/** What the firmware server does with the n-th request (0-based). */
export type ServeMode = "ok" | "cut" | "error";

/** A request the firmware server received. */
export interface ServedRequest {
  path: string;
  mode: ServeMode;
  atMs: number;
}

const encoder = new TextEncoder();

/** Serves `content` at every path; `plan(n)` decides per request. */
export class FirmwareServer implements AsyncDisposable {
  readonly requests: ServedRequest[] = [];
  #listener: Deno.TcpListener;
  #content: Uint8Array;
  #plan: (n: number) => ServeMode;
  #conns = new Set<Deno.Conn>();
  #loop: Promise<void>;

  constructor(content: Uint8Array, plan: (n: number) => ServeMode = () => "ok") {
    this.#content = content;
    this.#plan = plan;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#loop = this.#accept();
  }

  /** `http://127.0.0.1:<port><path>`. */
  url(path = "/firmware/ladewerk-1.2.3.bin"): string {
    return `http://127.0.0.1:${this.#listener.addr.port}${path}`;
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        this.#conns.add(conn);
        void this.#serve(conn).catch(() => {}).finally(() => {
          this.#conns.delete(conn);
          try {
            conn.close();
          } catch {
            // Closed already.
          }
        });
      }
    } catch {
      // Listener closed.
    }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    const head = await readHead(conn);
    const path = head.split(" ")[1] ?? "/";
    const mode = this.#plan(this.requests.length);
    this.requests.push({ path, mode, atMs: Date.now() });
    if (mode === "error") {
      await writeAll(
        conn,
        encoder.encode(
          "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
      );
      return;
    }
    const body = this.#content;
    await writeAll(
      conn,
      encoder.encode(
        `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n` +
          `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      ),
    );
    // Halfway, then the connection goes away.
    const end = mode === "cut" ? Math.floor(body.length / 2) : body.length;
    for (let at = 0; at < end; at += 65_536) {
      await writeAll(conn, body.subarray(at, Math.min(end, at + 65_536)));
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#listener.close();
    for (const c of this.#conns) {
      try {
        c.close();
      } catch {
        // Closed already.
      }
    }
    await this.#loop;
  }
}

async function readHead(conn: Deno.Conn): Promise<string> {
  const buf = new Uint8Array(16_384);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  return text;
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  for (let at = 0; at < data.length;) at += await conn.write(data.subarray(at));
}

/** An upload the receiver got. */
export interface Upload {
  method: string;
  path: string;
  contentType: string | null;
  contentLength: string | null;
  /** The file: the raw body of a PUT, the `file` field of a multipart POST. */
  body: Uint8Array;
  fileName?: string;
  status: number;
  atMs: number;
}

/** Receives uploads; `answer(n, method)` gives the status of the n-th request (0-based). */
export class UploadServer implements AsyncDisposable {
  readonly uploads: Upload[] = [];
  #server: Deno.HttpServer<Deno.NetAddr>;

  constructor(answer: (n: number, method: string) => number = () => 200) {
    this.#server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const n = this.uploads.length;
      const status = answer(n, req.method);
      let body = new Uint8Array();
      let fileName: string | undefined;
      if (req.method === "POST" && req.headers.get("content-type")?.startsWith("multipart/")) {
        const file = (await req.formData()).get("file");
        if (file instanceof File) {
          body = new Uint8Array(await file.arrayBuffer());
          fileName = file.name;
        }
      } else body = new Uint8Array(await req.arrayBuffer());
      this.uploads.push({
        method: req.method,
        path: new URL(req.url).pathname,
        contentType: req.headers.get("content-type"),
        contentLength: req.headers.get("content-length"),
        body,
        ...(fileName ? { fileName } : {}),
        status,
        atMs: Date.now(),
      });
      return new Response(null, { status });
    });
  }

  /** `http://127.0.0.1:<port><path>`. */
  url(path = "/diagnostics/"): string {
    return `http://127.0.0.1:${this.#server.addr.port}${path}`;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#server.shutdown();
  }
}
