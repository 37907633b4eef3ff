/**
 * A pseudo-terminal pair from `socat`: two device files joined like a serial cable, for a
 * driver on one end and an emulator on the other. `unplug()` ends socat (both ends vanish, as
 * a USB adapter pulled out), `plug()` makes the pair again under the same names.
 * @module
 */

/** A serial cable between two device files. */
export class PtyPair implements AsyncDisposable {
  readonly a: string;
  readonly b: string;
  #child: Deno.ChildProcess | undefined;
  #tempDir: string | undefined;

  private constructor(a: string, b: string, tempDir?: string) {
    this.a = a;
    this.b = b;
    this.#tempDir = tempDir;
  }

  /** Makes a pair in a fresh folder (removed on dispose). */
  static async open(): Promise<PtyPair> {
    const dir = await Deno.makeTempDir({ prefix: "ladewerk-pty-" });
    const pair = new PtyPair(`${dir}/ttyA`, `${dir}/ttyB`, dir);
    await pair.plug();
    return pair;
  }

  /** Makes a pair whose ends are the links `a` and `b`. */
  static async at(a: string, b: string): Promise<PtyPair> {
    const pair = new PtyPair(a, b);
    await pair.plug();
    return pair;
  }

  /** Starts socat; resolves once both ends exist. */
  async plug(): Promise<void> {
    if (this.#child) return;
    this.#child = new Deno.Command("socat", {
      args: [`pty,raw,echo=0,link=${this.a}`, `pty,raw,echo=0,link=${this.b}`],
      stdout: "null",
      stderr: "null",
    }).spawn();
    for (let i = 0; i < 200; i++) {
      try {
        await Deno.stat(this.a);
        await Deno.stat(this.b);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    throw new Error("socat made no pseudo-terminals");
  }

  /** Ends socat: both device files go away. */
  async unplug(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child) return;
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
    await Deno.remove(this.a).catch(() => {});
    await Deno.remove(this.b).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.unplug();
    if (this.#tempDir) await Deno.remove(this.#tempDir, { recursive: true }).catch(() => {});
  }
}
