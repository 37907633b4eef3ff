/**
 * Serves the HTTP app: plain HTTP (everything in simulation, a redirect to HTTPS on a device)
 * and HTTPS with the certificate of `<data-dir>/tls/`.
 * @module
 */
import { join } from "../station/path.ts";
import { getLogger } from "@logtape/logtape";
import { ensureTlsCertificate, httpsRedirect } from "./tls.ts";

const log = getLogger(["ladewerk", "http"]);

/** Where and how to serve. */
export interface ServeOptions {
  hostname: string;
  httpPort: number;
  /** 0 picks a free port. */
  httpsPort: number;
  /** On a device plain HTTP only redirects to HTTPS. */
  hardware: "sim" | "device";
  dataDir: string;
  /** Common name of a certificate made on first start (the charge box id). */
  commonName: string;
  /** Ends both servers. */
  signal: AbortSignal;
}

/** The running servers. */
export interface WebServers {
  /** Resolves when both servers have stopped. */
  finished: Promise<void>;
  /** Resolves once HTTPS listens or has failed to start (see the log). */
  httpsReady: Promise<void>;
  /** Port of the HTTPS server, undefined until it listens or when it could not start. */
  httpsPort: number | undefined;
  /** Address and port of the HTTP server, undefined until it listens. */
  httpHost: string | undefined;
  httpPort: number | undefined;
}

type Handler = (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;

function isLoopback(addr: Deno.Addr): boolean {
  if (addr.transport !== "tcp") return false;
  return addr.hostname === "::1" || addr.hostname.startsWith("127.") ||
    addr.hostname === "::ffff:127.0.0.1";
}

async function startHttps(
  fetch: Handler,
  options: ServeOptions,
  servers: WebServers,
): Promise<Deno.HttpServer | undefined> {
  try {
    const tlsDir = join(options.dataDir, "tls");
    const { cert, key, generated } = await ensureTlsCertificate(tlsDir, {
      commonName: options.commonName,
    });
    if (generated) log.info(`Self-signed TLS certificate made in ${tlsDir}`);
    if (options.signal.aborted) return undefined;
    return Deno.serve({
      hostname: options.hostname,
      port: options.httpsPort,
      cert,
      key,
      signal: options.signal,
      onListen: ({ hostname, port }) => {
        servers.httpsPort = port;
        log.info(`HTTPS listening on https://${hostname}:${port}`);
      },
    }, fetch);
  } catch (e) {
    // The station keeps charging without its web interface on HTTPS.
    const level = options.hardware === "device" ? "error" : "warn";
    log[level](`HTTPS not available: ${e instanceof Error ? e.message : e}`);
    return undefined;
  }
}

/**
 * Starts HTTP at once (its log line `HTTP listening on http://HOST:PORT` comes first), then
 * HTTPS once the certificate is read or made (first start: made, a fraction of a second).
 */
export function serveWeb(fetch: Handler, options: ServeOptions): WebServers {
  const servers: WebServers = {
    finished: Promise.resolve(),
    httpsReady: Promise.resolve(),
    httpsPort: undefined,
    httpHost: undefined,
    httpPort: undefined,
  };
  // On a device plain HTTP only redirects to HTTPS, except for the station's own loopback
  // (its health check, local tools): nothing there crosses a wire.
  const redirect = httpsRedirect(() => servers.httpsPort);
  const plain: Handler = options.hardware === "device"
    ? (req, info) => isLoopback(info.remoteAddr) ? fetch(req, info) : redirect(req)
    : fetch;
  const http = Deno.serve({
    hostname: options.hostname,
    port: options.httpPort,
    signal: options.signal,
    onListen: ({ hostname, port }) => {
      servers.httpHost = hostname;
      servers.httpPort = port;
      const what = options.hardware === "device"
        ? "redirects to HTTPS"
        : "API /api/status, simulator /api/sim";
      log.info(`HTTP listening on http://${hostname}:${port} (${what})`);
    },
  }, plain);
  const https = startHttps(fetch, options, servers);
  servers.httpsReady = https.then(() => {});
  servers.finished = Promise.all([http.finished, https.then((s) => s?.finished)]).then(() => {});
  return servers;
}
