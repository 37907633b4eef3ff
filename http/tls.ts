/**
 * HTTPS (M-1.0): a self-signed certificate made on first start in `<data-dir>/tls/`
 * (`cert.pem`, `key.pem`), replaceable by other files there; and the plain-HTTP answer of a
 * device, a redirect to HTTPS.
 * @module
 */
import { join } from "../station/path.ts";

/** The certificate and key in PEM. */
export interface TlsFiles {
  cert: string;
  key: string;
  /** Whether they were made just now. */
  generated: boolean;
}

/** File names inside the TLS folder. */
export const CERT_FILE = "cert.pem";
export const KEY_FILE = "key.pem";

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * Reads `cert.pem` and `key.pem` from `dir`, or makes a self-signed pair (RSA 2048, SHA-256,
 * 10 years) when neither exists. Throws when only one of them exists (a half-replaced pair).
 */
export async function ensureTlsCertificate(
  dir: string,
  options: { commonName: string; days?: number },
): Promise<TlsFiles> {
  const certPath = join(dir, CERT_FILE);
  const keyPath = join(dir, KEY_FILE);
  const [cert, key] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (cert !== undefined && key !== undefined) return { cert, key, generated: false };
  if (cert !== undefined || key !== undefined) {
    throw new Error(
      `Cannot use the TLS files in ${dir}: ${cert ? KEY_FILE : CERT_FILE} is missing`,
    );
  }
  // Loaded only when needed: the certificate library costs start-up time.
  const { default: selfsigned } = await import("selfsigned");
  const now = Date.now();
  const made = await selfsigned.generate([{ name: "commonName", value: options.commonName }], {
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: new Date(now - 86_400_000),
    notAfterDate: new Date(now + (options.days ?? 3650) * 86_400_000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: options.commonName },
          { type: 2, value: "localhost" },
          { type: 7, ip: "192.168.32.1" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(keyPath, made.private, { mode: 0o600 });
  await Deno.writeTextFile(certPath, made.cert);
  return { cert: made.cert, key: made.private, generated: true };
}

/**
 * The plain-HTTP handler of a device: 308 to the same path on HTTPS at the port `httpsPort()`
 * tells (undefined while HTTPS is not up: 503).
 */
export function httpsRedirect(httpsPort: () => number | undefined): (req: Request) => Response {
  return (req) => {
    const port = httpsPort();
    if (port === undefined) {
      return new Response("HTTPS is not available", {
        status: 503,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    const url = new URL(req.url);
    const target = `https://${url.hostname}${
      port === 443 ? "" : `:${port}`
    }${url.pathname}${url.search}`;
    return new Response(null, { status: 308, headers: { location: target } });
  };
}
