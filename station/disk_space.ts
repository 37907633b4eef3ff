/**
 * Free space on the data partition: a download or upload may use what lies above the reserve
 * that the database needs, never the reserve itself.
 * @module
 */
/** Space kept free for the database, its WAL and the logs. @default 64 MiB */
export const DATA_RESERVE_BYTES = 64 * 1024 * 1024;

/** Bytes a file written under `dir` may take; undefined when the system cannot tell. */
export async function roomFor(
  dir: string,
  reserveBytes: number = DATA_RESERVE_BYTES,
): Promise<number | undefined> {
  try {
    // node:fs loads with the first upload or download, not with the program (issue 14).
    const { statfs } = await import("node:fs/promises");
    const s = await statfs(dir);
    return Math.max(0, Number(s.bavail) * Number(s.bsize) - reserveBytes);
  } catch {
    return undefined;
  }
}

/** Why a file of `bytes` does not fit under `dir` (with the reserve kept), or undefined. */
export function noRoomReason(bytes: number, room: number | undefined): string | undefined {
  if (room === undefined || bytes <= room) return undefined;
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `Not enough free space: ${mib(bytes)} needed, ${mib(room)} free above the ` +
    `database reserve`;
}
