/**
 * A PN532 behind its UART, from the same frame format: ACKs every good frame, answers
 * GetFirmwareVersion, SAMConfiguration and InListPassiveTarget (the card on the field, if
 * any), ignores the wake-up preamble and noise.
 * @module
 */
import { openRawEnd } from "../rtu/line.ts";
import { ACK, cutFrame, frame, TFI_PN532 } from "./frame.ts";

/** The emulated reader. */
export class Pn532Emulator implements AsyncDisposable {
  /** The UID on the field (hex), or undefined. */
  card: string | undefined;
  /** Answer nothing (a dead reader). */
  silent = false;
  commands: number[] = [];
  #in: Deno.FsFile;
  #out: Deno.FsFile;
  #done: Promise<void>;

  private constructor(input: Deno.FsFile, out: Deno.FsFile) {
    this.#in = input;
    this.#out = out;
    this.#done = this.#serve();
  }

  static async open(path: string): Promise<Pn532Emulator> {
    const { input, out } = await openRawEnd(path);
    return new Pn532Emulator(input, out);
  }

  async #write(bytes: Uint8Array): Promise<void> {
    for (let off = 0; off < bytes.length;) off += await this.#out.write(bytes.subarray(off));
  }

  async #serve(): Promise<void> {
    let buf = new Uint8Array(0);
    const chunk = new Uint8Array(256);
    try {
      for (;;) {
        const n = await this.#in.read(chunk);
        if (n === null) return;
        const all = new Uint8Array(buf.length + n);
        all.set(buf);
        all.set(chunk.subarray(0, n), buf.length);
        buf = all;
        for (let f = cutFrame(buf); f; f = cutFrame(buf)) {
          buf = f.rest;
          if (f.kind !== "frame" || this.silent) continue;
          const code = f.data[0]!;
          this.commands.push(code);
          await this.#write(ACK);
          await this.#write(frame(TFI_PN532, [code + 1, ...this.#answer(code)]));
        }
      }
    } catch {
      // closed
    }
  }

  #answer(code: number): number[] {
    switch (code) {
      case 0x02:
        return [0x32, 0x01, 0x06, 0x07];
      case 0x14:
        return [];
      case 0x4a: {
        if (!this.card) return [0x00];
        const uid = this.card.match(/../g)!.map((h) => parseInt(h, 16));
        return [0x01, 0x01, 0x00, 0x04, 0x08, uid.length, ...uid];
      }
      default:
        return [];
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const f of [this.#in, this.#out]) {
      try {
        f.close();
      } catch { /* closed */ }
    }
    await this.#done;
  }
}
