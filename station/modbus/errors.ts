/**
 * Modbus exception responses: the codes a request is refused with.
 * @module
 */

/** Function code not supported (coils, discrete inputs, diagnostics). */
export const ILLEGAL_FUNCTION = 1;
/** Address not in the map, or not writable (read-only register, read-only access mode). */
export const ILLEGAL_DATA_ADDRESS = 2;
/** Quantity or value out of range. */
export const ILLEGAL_DATA_VALUE = 3;
/** The request was valid but the station could not carry it out. */
export const SERVER_DEVICE_FAILURE = 4;

/** A Modbus exception code this server answers with. */
export type ExceptionCode =
  | typeof ILLEGAL_FUNCTION
  | typeof ILLEGAL_DATA_ADDRESS
  | typeof ILLEGAL_DATA_VALUE
  | typeof SERVER_DEVICE_FAILURE;

/**
 * A refused request. The server (`server.ts`) answers it with this exception code, and any
 * other error with 4.
 */
export class ModbusException extends Error {
  override name = "ModbusException";
  /** The exception code sent to the client. */
  readonly modbusErrorCode: ExceptionCode;

  constructor(code: ExceptionCode, message: string) {
    super(message);
    this.modbusErrorCode = code;
  }
}
