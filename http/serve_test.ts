import assert from "node:assert/strict";
import { join } from "node:path";
import { serveWeb } from "./serve.ts";

const hello = (req: Request) => new Response(`hello ${new URL(req.url).protocol}`);

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-serve-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("serveWeb() in simulation serves the app on HTTP and on HTTPS with its own certificate", async () => {
  await withDir(async (dataDir) => {
    const stop = new AbortController();
    const http = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const httpPort = http.addr.port;
    http.close();
    const web = serveWeb(hello, {
      hostname: "127.0.0.1",
      httpPort,
      httpsPort: 0,
      hardware: "sim",
      dataDir,
      commonName: "localhost",
      signal: stop.signal,
    });
    await web.httpsReady;
    assert.ok(web.httpsPort);
    assert.equal(await (await fetch(`http://127.0.0.1:${httpPort}/`)).text(), "hello http:");
    const cert = await Deno.readTextFile(join(dataDir, "tls", "cert.pem"));
    const client = Deno.createHttpClient({ caCerts: [cert] });
    const res = await fetch(`https://localhost:${web.httpsPort}/`, { client });
    assert.equal(await res.text(), "hello https:");
    client.close();
    stop.abort();
    await web.finished;
  });
});

/** A non-loopback IPv4 address of this machine, to reach a server as another host would. */
const lanAddress = Deno.networkInterfaces().find((i) =>
  i.family === "IPv4" && !i.address.startsWith("127.")
)?.address;

Deno.test({
  name: "serveWeb() on a device redirects plain HTTP to HTTPS, but serves its own loopback",
  ignore: lanAddress === undefined,
  fn: async () => {
    await withDir(async (dataDir) => {
      const stop = new AbortController();
      const probe = Deno.listen({ hostname: "0.0.0.0", port: 0 });
      const httpPort = probe.addr.port;
      probe.close();
      const web = serveWeb(hello, {
        hostname: "0.0.0.0",
        httpPort,
        httpsPort: 0,
        hardware: "device",
        dataDir,
        commonName: "TE1",
        signal: stop.signal,
      });
      await web.httpsReady;
      const res = await fetch(`http://${lanAddress}:${httpPort}/api/status?x=1`, {
        redirect: "manual",
      });
      assert.equal(res.status, 308);
      assert.equal(
        res.headers.get("location"),
        `https://${lanAddress}:${web.httpsPort}/api/status?x=1`,
      );
      const local = await fetch(`http://127.0.0.1:${httpPort}/`, { redirect: "manual" });
      assert.equal(local.status, 200, "the station's own health check and local tools");
      await local.body?.cancel();
      stop.abort();
      await web.finished;
    });
  },
});

Deno.test("serveWeb() keeps HTTP running when the HTTPS port is taken", async () => {
  await withDir(async (dataDir) => {
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const stop = new AbortController();
    try {
      const web = serveWeb(hello, {
        hostname: "127.0.0.1",
        httpPort: 0,
        httpsPort: taken.addr.port,
        hardware: "sim",
        dataDir,
        commonName: "localhost",
        signal: stop.signal,
      });
      await web.httpsReady;
      assert.equal(web.httpsPort, undefined);
      stop.abort();
      await web.finished;
    } finally {
      taken.close();
    }
  });
});
