/**
 * Diagnostics: the archive of logs, redacted settings, event log and system facts that the web
 * interface downloads and OCPP GetDiagnostics uploads.
 * @module
 */
export {
  buildDiagnosticsArchive,
  diagnosticsFileName,
  type DiagnosticsOptions,
  REDACTED,
  redactedSettings,
} from "./archive.ts";
export { readTar, type TarEntry, type TarFile, tarHeader, tarStream } from "./tar.ts";
