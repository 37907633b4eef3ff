/**
 * For the `--hardware device` system tests: the station started with a device description,
 * and an admin login through the API (on a device every route wants it).
 * @module
 */
import { startStation, type StationProcess } from "./station_process.ts";

/** Starts the station with `--hardware device --device-config config` on loopback. */
export function startDevice(
  config: string,
  o: { connectors?: 1 | 2; args?: string[] } = {},
): Promise<StationProcess> {
  return startStation({
    args: [
      "--hardware",
      "device",
      "--connectors",
      String(o.connectors ?? 1),
      "--device-config",
      config,
      "--http-host",
      "127.0.0.1",
      ...(o.args ?? []),
    ],
  });
}

/** Logs in as admin with the initial password: the session cookie and the CSRF token. */
export async function adminLogin(
  st: StationProcess,
  password = "24110001",
): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(new URL("/api/login", st.baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: "admin", password }),
  });
  if (res.status !== 200) throw new Error(`Login failed: ${res.status} ${await res.text()}`);
  const body = await res.json();
  return { cookie: (res.headers.get("set-cookie") ?? "").split(";")[0]!, csrf: body.csrfToken };
}
