/**
 * Where a fault may be raised: station faults on connector 0, connector faults on 1..n.
 * @module
 */
import { type FaultCode, FAULTS, isFaultCode } from "../../station/faults.ts";

/** A fault and where it is active. */
export interface ActiveFault {
  code: FaultCode;
  /** 0 for a station fault, else the charge point. */
  connectorId: number;
}

/** Checks `connectorId` is 1..`connectors`; throws RangeError saying what `action` failed. */
export function checkConnectorId(connectorId: number, connectors: number, action: string): void {
  if (!Number.isInteger(connectorId) || connectorId < 1 || connectorId > connectors) {
    throw new RangeError(
      `Cannot ${action} connector ${connectorId}: expected a connector id 1..${connectors}`,
    );
  }
}

/** Checks that `code` is a fault of the catalogue whose scope fits `connectorId`. */
export function checkFaultPlacement(
  code: string,
  connectorId: number,
  connectors: number,
): FaultCode {
  if (!isFaultCode(code)) throw new RangeError(`Unknown fault code: ${code}`);
  if (!Number.isInteger(connectorId) || connectorId < 0 || connectorId > connectors) {
    throw new RangeError(
      `Cannot raise ${code} on connector ${connectorId}: expected a connector id 0..${connectors}`,
    );
  }
  const { scope } = FAULTS[code];
  if (scope === "station" && connectorId !== 0) {
    throw new RangeError(
      `Cannot raise ${code} on connector ${connectorId}: it is a station fault, raise it on 0`,
    );
  }
  if (scope === "connector" && connectorId === 0) {
    throw new RangeError(
      `Cannot raise ${code} on connector 0: it is a connector fault, raise it on 1..${connectors}`,
    );
  }
  return code;
}
