/**
 * A real Mosquitto broker (Debian's `mosquitto`) on a free port for system tests, with an
 * optional password file so that tests can check the cluster authenticates:
 * `await using broker = await startMosquitto({ users: { site: "secret" } });`.
 * @module
 */
import { join } from "node:path";
import { freePort } from "./station_process.ts";

/** Options of {@linkcode startMosquitto}. */
export interface MosquittoOptions {
  /** Users and passwords; without them anonymous clients are allowed. */
  users?: Record<string, string>;
  /** TLS (`mqtts://`) with a certificate for 127.0.0.1 from a fresh test CA. */
  tls?: boolean;
}

/** A running broker. */
export interface Mosquitto extends AsyncDisposable {
  port: number;
  url: string;
  /** The test CA (PEM) with `tls`, else undefined; `caFile` is its path. */
  caPem?: string;
  caFile?: string;
  /** Stops the broker (SIGKILL, as a power cut would); a restarted one gets the same port. */
  kill(): Promise<void>;
  /** Starts it again on the same port after `kill`. */
  restart(): Promise<void>;
  output(): string;
}

/** Starts Mosquitto; resolves once it accepts TCP connections. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = await Deno.makeTempDir({ prefix: "ladewerk-mosquitto-" });
  // Started as root, mosquitto drops to its own user, which must read the files.
  await Deno.chmod(dir, 0o755);
  const port = freePort();
  const lines = [`listener ${port} 127.0.0.1`, "persistence false", "log_dest stdout"];
  if (options.users) {
    const passwords = join(dir, "passwords");
    await Deno.writeTextFile(passwords, "");
    for (const [user, password] of Object.entries(options.users)) {
      const out = await new Deno.Command("mosquitto_passwd", {
        args: ["-b", passwords, user, password],
        stdout: "null",
        stderr: "piped",
      }).output();
      if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    }
    await Deno.chmod(passwords, 0o644);
    lines.push(`password_file ${passwords}`, "allow_anonymous false");
  } else {
    lines.push("allow_anonymous true");
  }
  let caPem: string | undefined;
  if (options.tls) {
    const run = async (...args: string[]) => {
      const out = await new Deno.Command("openssl", {
        args,
        cwd: dir,
        stdout: "null",
        stderr: "piped",
      })
        .output();
      if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    };
    await run(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=ladewerk test CA",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
    );
    await run(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=127.0.0.1",
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
    );
    await Deno.writeTextFile(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
    await run(
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      "san.ext",
      "-out",
      "server.pem",
    );
    for (const f of ["ca.pem", "server.pem", "server.key"]) await Deno.chmod(join(dir, f), 0o644);
    caPem = await Deno.readTextFile(join(dir, "ca.pem"));
    lines.push(
      `cafile ${join(dir, "ca.pem")}`,
      `certfile ${join(dir, "server.pem")}`,
      `keyfile ${join(dir, "server.key")}`,
    );
  }
  const config = join(dir, "mosquitto.conf");
  await Deno.writeTextFile(config, lines.join("\n") + "\n");
  let log = "";
  let child: Deno.ChildProcess | undefined;

  const launch = async () => {
    child = new Deno.Command("mosquitto", {
      args: ["-c", config],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const decoder = new TextDecoder();
    for (const stream of [child.stdout, child.stderr]) {
      void stream.pipeTo(
        new WritableStream({
          write(chunk) {
            log = (log + decoder.decode(chunk)).slice(-50_000);
          },
        }),
      ).catch(() => {});
    }
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      try {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        conn.close();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`mosquitto did not listen on ${port}:\n${log}`);
  };
  const kill = async () => {
    if (!child) return;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    child = undefined;
  };
  await launch();
  return {
    port,
    url: `${options.tls ? "mqtts" : "mqtt"}://127.0.0.1:${port}`,
    ...(caPem ? { caPem, caFile: join(dir, "ca.pem") } : {}),
    kill,
    restart: launch,
    output: () => log,
    async [Symbol.asyncDispose]() {
      await kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
