/**
 * An RFID reader that types the card's UID as a USB keyboard: Linux evdev `input_event`
 * records (64-bit: 16 bytes of time, type u16, code u16, value s32) read from
 * `/dev/input/...`; key presses of digits and A-F make the UID, Enter ends it. A reader that
 * is missing or goes away raises ReaderFailure on the station; it is opened again every few
 * seconds, and the fault clears once it is back.
 * @module
 */
import { ReaderBase } from "../reader_base.ts";

const EV_KEY = 1;
const KEY_ENTER = 28;
const KEY_KPENTER = 96;
/** Key codes of digits and the hex letters (linux/input-event-codes.h). */
const KEYS: Record<number, string> = {
  2: "1",
  3: "2",
  4: "3",
  5: "4",
  6: "5",
  7: "6",
  8: "7",
  9: "8",
  10: "9",
  11: "0",
  30: "A",
  48: "B",
  46: "C",
  32: "D",
  18: "E",
  33: "F",
};

/** The size of one `input_event` on a 64-bit system. */
export const EVENT_BYTES = 24;

/** Turns `input_event` records into UIDs. */
export class KeyboardDecoder {
  #typed = "";
  #rest = new Uint8Array(0);

  /** Feeds bytes; returns the UIDs completed by Enter. */
  push(bytes: Uint8Array): string[] {
    const all = new Uint8Array(this.#rest.length + bytes.length);
    all.set(this.#rest);
    all.set(bytes, this.#rest.length);
    const uids: string[] = [];
    let off = 0;
    for (; off + EVENT_BYTES <= all.length; off += EVENT_BYTES) {
      const view = new DataView(all.buffer, all.byteOffset + off, EVENT_BYTES);
      const type = view.getUint16(16, true);
      const code = view.getUint16(18, true);
      const value = view.getInt32(20, true);
      if (type !== EV_KEY || value !== 1) continue;
      if (code === KEY_ENTER || code === KEY_KPENTER) {
        if (this.#typed.length >= 4) uids.push(this.#typed);
        this.#typed = "";
      } else if (KEYS[code]) {
        this.#typed = (this.#typed + KEYS[code]).slice(-32);
      }
    }
    this.#rest = all.slice(off);
    return uids;
  }
}

/** One `input_event` record (for tests and emulators). */
export function inputEvent(type: number, code: number, value: number): Uint8Array {
  const out = new Uint8Array(EVENT_BYTES);
  const view = new DataView(out.buffer);
  view.setUint16(16, type, true);
  view.setUint16(18, code, true);
  view.setInt32(20, value, true);
  return out;
}

/** The key presses (and releases) that type `uid` and Enter. */
export function typeUid(uid: string): Uint8Array {
  const codes = [...uid.toUpperCase()].map((ch) =>
    Number(Object.entries(KEYS).find(([, v]) => v === ch)?.[0])
  );
  const events = [...codes, KEY_ENTER].flatMap((c) => [
    inputEvent(EV_KEY, c, 1),
    inputEvent(EV_KEY, c, 0),
  ]);
  const out = new Uint8Array(events.length * EVENT_BYTES);
  events.forEach((e, i) => out.set(e, i * EVENT_BYTES));
  return out;
}

/** The reader. */
export class EvdevReader extends ReaderBase implements AsyncDisposable {
  #path: string;
  #retryMs: number;
  #file: Deno.FsFile | undefined;
  #stopped = false;
  #loop: Promise<void>;

  constructor(o: { path: string; retryMs?: number }) {
    super();
    this.#path = o.path;
    this.#retryMs = o.retryMs ?? 3000;
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        this.#file = await Deno.open(this.#path, { read: true });
        this.failing(false);
        const decoder = new KeyboardDecoder();
        const buf = new Uint8Array(EVENT_BYTES * 16);
        for (;;) {
          const n = await this.#file.read(buf);
          if (n === null) break;
          for (const uid of decoder.push(buf.subarray(0, n))) {
            this.token(uid);
          }
        }
      } catch {
        // Missing, unplugged or closed.
      }
      try {
        this.#file?.close();
      } catch { /* closed */ }
      this.#file = undefined;
      if (this.#stopped) return;
      this.failing(true);
      await new Promise((r) => setTimeout(r, this.#retryMs));
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#stopped = true;
    try {
      this.#file?.close();
    } catch { /* closed */ }
    await this.#loop;
  }
}
