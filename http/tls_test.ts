import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { ensureTlsCertificate, httpsRedirect } from "./tls.ts";

Deno.test("ensureTlsCertificate() makes a self-signed pair once and then reads it", async () => {
  const dir = join(await Deno.makeTempDir({ prefix: "ladewerk-tls-" }), "tls");
  try {
    const first = await ensureTlsCertificate(dir, { commonName: "TE24110001" });
    assert.equal(first.generated, true);
    const cert = new X509Certificate(first.cert);
    assert.match(cert.subject, /CN=TE24110001/);
    assert.match(cert.subjectAltName ?? "", /IP Address:192\.168\.32\.1/);
    assert.ok(Date.parse(cert.validTo) > Date.now() + 9 * 365 * 86_400_000);
    assert.equal((await Deno.stat(join(dir, "key.pem"))).mode! & 0o777, 0o600);
    const second = await ensureTlsCertificate(dir, { commonName: "other" });
    assert.equal(second.generated, false);
    assert.equal(second.cert, first.cert, "replaceable files are kept");

    await Deno.remove(join(dir, "key.pem"));
    await assert.rejects(
      () => ensureTlsCertificate(dir, { commonName: "x" }),
      /key\.pem is missing/,
    );
  } finally {
    await Deno.remove(join(dir, ".."), { recursive: true });
  }
});

Deno.test("a served HTTPS certificate works with a client that trusts it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-tls-" });
  const stop = new AbortController();
  try {
    const { cert, key } = await ensureTlsCertificate(dir, { commonName: "localhost" });
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, cert, key, signal: stop.signal, onListen: () => {} },
      () => new Response("ok"),
    );
    const client = Deno.createHttpClient({ caCerts: [cert] });
    const res = await fetch(`https://localhost:${server.addr.port}/`, { client });
    assert.equal(await res.text(), "ok");
    client.close();
    stop.abort();
    await server.finished;
  } finally {
    stop.abort();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("httpsRedirect() sends plain HTTP to the HTTPS port, 503 while HTTPS is down", async () => {
  let port: number | undefined;
  const handler = httpsRedirect(() => port);
  const down = handler(new Request("http://192.168.32.1/api/status"));
  assert.equal(down.status, 503);
  await down.body?.cancel();
  port = 8443;
  const res = handler(new Request("http://192.168.32.1:8080/settings?x=1"));
  assert.equal(res.status, 308);
  assert.equal(res.headers.get("location"), "https://192.168.32.1:8443/settings?x=1");
  port = 443;
  assert.equal(handler(new Request("http://[::1]/")).headers.get("location"), "https://[::1]/");
});
