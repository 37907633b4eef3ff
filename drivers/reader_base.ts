/**
 * What every real RFID reader shares: its token and fault listeners, and ReaderFailure raised
 * while it is missing or silent (told at once to a listener that subscribes meanwhile).
 * @module
 */
import { Listeners } from "./listeners.ts";
import type { TokenReader, Unsubscribe } from "./ports.ts";

/** The fault a reader that is missing or does not answer raises. */
export const READER_FAULT = "ReaderFailure";

/** A reader's listeners and its ReaderFailure. */
export abstract class ReaderBase implements TokenReader {
  #tokens = new Listeners<[string]>();
  #faults = new Listeners<[string, boolean]>();
  #failing = false;

  onToken(listener: (idTag: string) => void): Unsubscribe {
    return this.#tokens.add(listener);
  }

  onFault(listener: (code: string, active: boolean) => void): Unsubscribe {
    if (this.#failing) listener(READER_FAULT, true);
    return this.#faults.add(listener);
  }

  /** A card was read. */
  protected token(uid: string): void {
    this.#tokens.emit(uid);
  }

  /** The reader is missing or silent (true), or answers again (false). */
  protected failing(failing: boolean): void {
    if (this.#failing === failing) return;
    this.#failing = failing;
    this.#faults.emit(READER_FAULT, failing);
  }
}
