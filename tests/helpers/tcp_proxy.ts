/**
 * A TCP proxy on a free port in front of a server, which a test can cut and restore (one
 * station loses its broker while the others keep theirs) or freeze (the connection stays open
 * and nothing gets through: a link gone silent, no FIN, no RST).
 * @module
 */

/** A running proxy. */
export interface TcpProxy extends Disposable {
  port: number;
  /** Closes every connection and refuses new ones. */
  cut(): void;
  /** Lets connections through again; ends a freeze for new connections. */
  restore(): void;
  /** Keeps every open connection and drops what they carry from now on; new connections are
   * frozen too until {@linkcode TcpProxy.restore}. */
  freeze(): void;
}

/** Forwards 127.0.0.1:<port> to 127.0.0.1:`targetPort`. */
export function startTcpProxy(targetPort: number): TcpProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  let cut = false;
  /** Connections opened before the freeze: they stay silent. */
  const frozen = new Set<Deno.Conn>();
  let freezing = false;
  const close = (c: Deno.Conn) => {
    open.delete(c);
    frozen.delete(c);
    try {
      c.close();
    } catch { /* closed already */ }
  };
  (async () => {
    for await (const client of listener) {
      if (cut) {
        close(client);
        continue;
      }
      let server: Deno.Conn;
      try {
        server = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
      } catch {
        close(client);
        continue;
      }
      open.add(client);
      open.add(server);
      if (freezing) frozen.add(client);
      const silent = () =>
        new TransformStream<Uint8Array, Uint8Array>({
          transform: (chunk, out) => {
            if (!frozen.has(client)) out.enqueue(chunk);
          },
        });
      const pipe = (from: Deno.Conn, to: Deno.Conn) =>
        from.readable.pipeThrough(silent()).pipeTo(to.writable).catch(() => {}).finally(() => {
          close(from);
          close(to);
        });
      void pipe(client, server);
      void pipe(server, client);
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    cut() {
      cut = true;
      for (const c of [...open]) close(c);
    },
    restore() {
      cut = false;
      freezing = false;
    },
    freeze() {
      freezing = true;
      for (const c of open) frozen.add(c);
    },
    [Symbol.dispose]() {
      cut = true;
      for (const c of [...open]) close(c);
      listener.close();
    },
  };
}
