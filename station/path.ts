/**
 * POSIX paths: the part of `node:path` the program uses. Importing any of Deno's Node modules
 * loads its Node layer, about 10 ms of every start; the station's start path needs only
 * `node:sqlite`, which does not (issue 14). The station runs on Linux only. The results match
 * `node:path`'s POSIX functions (`path_test.ts` compares them).
 * @module
 */

/** The segments of `path` with `.` and `..` resolved; `..` above the start kept if `relative`. */
function resolveSegments(path: string, relative: boolean): string[] {
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment !== "..") out.push(segment);
    else if (out.length > 0 && out.at(-1) !== "..") out.pop();
    else if (relative) out.push("..");
  }
  return out;
}

/** `path` with `.`, `..` and repeated slashes resolved; a trailing slash is kept. */
export function normalize(path: string): string {
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  const trailing = path.endsWith("/");
  const body = resolveSegments(path, !absolute).join("/");
  if (body === "") return absolute ? "/" : trailing ? "./" : ".";
  return (absolute ? "/" : "") + body + (trailing ? "/" : "");
}

/** The non-empty parts joined with `/`, normalized; `.` for none. */
export function join(...parts: string[]): string {
  const given = parts.filter((p) => p !== "");
  return given.length === 0 ? "." : normalize(given.join("/"));
}

/** The absolute path the parts lead to, from the right, starting at the working directory. */
export function resolve(...parts: string[]): string {
  let path = "";
  for (let i = parts.length - 1; i >= 0 && !path.startsWith("/"); i--) {
    if (parts[i] !== "") path = path === "" ? parts[i]! : `${parts[i]}/${path}`;
  }
  if (!path.startsWith("/")) path = path === "" ? Deno.cwd() : `${Deno.cwd()}/${path}`;
  return "/" + resolveSegments(path, false).join("/");
}

/** Everything before the slash that precedes the last segment; `.` or `/` when none. */
export function dirname(path: string): string {
  if (path === "") return ".";
  let end = -1;
  let inSegment = false;
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] !== "/") inSegment = true;
    else if (inSegment) {
      end = i;
      break;
    }
  }
  if (end === -1) return path.startsWith("/") ? "/" : ".";
  // Node keeps a leading "//" as it is.
  if (end === 1 && path.startsWith("/")) return "//";
  return path.slice(0, end);
}

/** The last segment's extension from its last dot (`.gz` of `a.tar.gz`); "" for none. */
export function extname(path: string): string {
  const last = path.replace(/\/+$/, "").split("/").at(-1) ?? "";
  const dot = last.lastIndexOf(".");
  // A leading dot names a hidden file, not an extension; ".." is no extension either.
  if (dot <= 0 || last === "..") return "";
  if (/^\.+$/.test(last.slice(0, dot + 1)) && dot === last.length - 1) return "";
  return last.slice(dot);
}
