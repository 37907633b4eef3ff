/**
 * A simulated RFID reader: cards are presented by calling `present`.
 * @module
 */
import { Listeners } from "../listeners.ts";
import type { TokenReader, Unsubscribe } from "../ports.ts";

/** An RFID reader that reports the cards presented to it by the simulator. */
export class SimTokenReader implements TokenReader {
  #listeners = new Listeners<[string]>();

  /** Calls `listener` with the idTag of every card presented. */
  onToken(listener: (idTag: string) => void): Unsubscribe {
    return this.#listeners.add(listener);
  }

  /** Presents a card; throws RangeError for an empty idTag. */
  present(idTag: string): void {
    if (idTag.length === 0) throw new RangeError("Cannot present a card: the idTag is empty");
    this.#listeners.emit(idTag);
  }

  /** Unsubscribes every listener. */
  removeAllListeners(): void {
    this.#listeners.clear();
  }
}
