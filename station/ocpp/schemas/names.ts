/** The export name of a schema id: `urn:BootNotification.req` → `BootNotification_req`. */
export function exportName(id: string): string {
  return id.replace(/^urn:/, "").replace(".", "_");
}
