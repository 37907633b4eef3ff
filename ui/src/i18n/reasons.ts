/**
 * The station's refusal reasons (English, from zod and the settings rules) in German. The
 * server sends no codes for most of them, so the known texts are matched here; an unknown
 * reason is shown as the server wrote it.
 * @module
 */

type Rule = [RegExp, (m: RegExpExecArray) => string];

const DE: Rule[] = [
  [
    /^A date \(2026-12-31\) or an ISO time/,
    () => "Ein Datum (2026-12-31) oder eine ISO-Zeit mit Zone (2026-12-31T08:00:00Z)",
  ],
  [
    /^Too big: expected number to be <=?\s*(-?[\d.]+)$/,
    (m) => `Zu groß: höchstens ${m[1]}`,
  ],
  [
    /^Too small: expected number to be >=?\s*(-?[\d.]+)$/,
    (m) => `Zu klein: mindestens ${m[1]}`,
  ],
  [
    /^Too big: expected number to be <\s*(-?[\d.]+)$/,
    (m) => `Zu groß: kleiner als ${m[1]}`,
  ],
  [
    /^Too small: expected number to be >\s*(-?[\d.]+)$/,
    (m) => `Zu klein: größer als ${m[1]}`,
  ],
  [
    /^Too big: expected string to have <=?\s*(\d+) characters?$/,
    (m) => `Zu lang: höchstens ${m[1]} Zeichen`,
  ],
  [
    /^Too small: expected string to have >=?\s*(\d+) characters?$/,
    (m) => `Zu kurz: mindestens ${m[1]} Zeichen`,
  ],
  [/^Invalid input: expected int, received number$/, () => "Nur ganze Zahlen"],
  [
    /^Invalid input: expected number, received \w+$/,
    () => "Bitte eine Zahl eingeben",
  ],
  [
    /^Invalid input: expected string, received \w+$/,
    () => "Bitte einen Text eingeben",
  ],
  [/^Invalid input: expected boolean, received \w+$/, () => "Ungültiger Wert"],
  [
    /^Invalid option: expected one of (.+)$/,
    (m) => `Ungültige Auswahl: erlaubt sind ${m[1]}`,
  ],
  [/^Invalid IPv4 address$/i, () => "Keine gültige IPv4-Adresse"],
  [/^Invalid IPv6 address$/i, () => "Keine gültige IPv6-Adresse"],
  [/^Invalid (string: must match pattern|input).*$/, () => "Ungültiges Format"],
  [
    /^Must be 0 \(pause\) or at least 6000 mA$/,
    () => "0 (pausieren) oder mindestens 6000 mA",
  ],
  [
    /^Must be a ws:\/\/ or wss:\/\/ URL$/,
    () => "Muss eine ws://- oder wss://-URL sein",
  ],
  [
    /^(.+) must not start or end with blanks$/,
    () => "Darf nicht mit Leerzeichen beginnen oder enden",
  ],
  [
    /^Only letters, digits, '-', '_', '\.' and \{serial\}$/,
    () => "Nur Buchstaben, Ziffern, „-“, „_“, „.“ und {serial}",
  ],
  [/^Unknown time zone$/, () => "Unbekannte Zeitzone"],
  [
    /^Operator branding is not available yet$/,
    () => "Operator-Branding ist noch nicht verfügbar",
  ],
  [
    /^At most (\d+) mA with (\d) charge point\(s\)$/,
    (m) => `Höchstens ${m[1]} mA bei ${m[2]} Ladepunkt(en)`,
  ],
  [
    /^Duplicate UID (\S+): (?:also entry|first on line) (\d+)$/,
    (m) => `UID ${m[1]} doppelt (auch ${m[2]})`,
  ],
  [
    /^Bad UID "([^"]*)": (.+)$/,
    (m) => `Ungültige UID „${m[1]}“: ${translateReason(m[2]!, "de")}`,
  ],
  [
    /^Bad GID "([^"]*)": (.+)$/,
    (m) => `Ungültige GID „${m[1]}“: ${translateReason(m[2]!, "de")}`,
  ],
  [
    /^Bad expiry "([^"]*)".*$/,
    (m) => `Ungültiges Ablaufdatum „${m[1]}“ (z. B. 2030-01-01T12:00:00)`,
  ],
  [
    /^Expected an ISO date and time.*$/,
    () => "Datum und Uhrzeit erwartet, z. B. 2030-01-01T12:00:00",
  ],
  [/^Must have 1 to 20 characters$/, () => "1 bis 20 Zeichen"],
  [
    /^Only letters, digits and symbols, no blanks$/,
    () => "Nur Buchstaben, Ziffern und Zeichen, keine Leerzeichen",
  ],
  [/^Must not contain (.+)$/, (m) => `Darf ${m[1]} nicht enthalten`],
  [/^Must not start with (.+)$/, (m) => `Darf nicht mit ${m[1]} beginnen`],
  [
    /^End the running sessions first: charge point (.+)$/,
    (m) => `Erst die laufenden Ladevorgänge beenden: Ladepunkt ${m[1]}`,
  ],
  [
    /^Installing updates arrives with the signed A\/B update bundles \(later\)$/,
    () =>
      "Installieren ist noch nicht verfügbar: es kommt mit den signierten A/B-Update-Paketen (später)",
  ],
  [/^Read-only setting$/, () => "Nur lesbar"],
  [/^Unknown setting$/, () => "Unbekannte Einstellung"],
  [/^Required$/i, () => "Pflichtfeld"],
  [/^Wrong password$/i, () => "Falsches Passwort"],
  [/^Passwords do not match$/i, () => "Die Passwörter stimmen nicht überein"],
  [/^Not a (PEM )?certificate$/i, () => "Kein gültiges Zertifikat"],
];

type Params = Record<string, string | number>;

/** German texts of the station's stable refusal codes (the English reason is the server's). */
const DE_CODES: Record<string, (p: Params) => string> = {
  wrong_credentials: () => "Benutzername oder Passwort falsch",
  throttled: (p) => `Zu viele Fehlversuche: bitte ${p.retryAfterS ?? "einige"} s warten`,
  wrong_password: () => "Falsches Passwort",
  mismatch: () => "Stimmt nicht mit dem neuen Passwort überein",
  too_short: (p) => `Mindestens ${p.min ?? 10} Zeichen`,
  too_long: (p) => `Höchstens ${p.max} Zeichen`,
  needs_letter: () => "Muss einen Buchstaben enthalten",
  needs_digit: () => "Muss eine Ziffer enthalten",
  is_serial: () => "Darf nicht die Seriennummer sein",
  is_factory_password: () => "Darf nicht das Factory-Passwort sein",
  contains_admin: () => "Darf „admin“ nicht enthalten",
  service_subnet: () => "Adressen in 192.168.32.0/24 gehören der Serviceschnittstelle",
  required: () => "Pflichtfeld in diesem Modus",
  overlap: () => "Das Netz würde die Serviceschnittstelle 192.168.32.0/24 einschließen",
  special: () => "Darf nicht Netz- oder Broadcast-Adresse sein",
  outside_subnet: () => "Muss im Netz der Station liegen (Adresse und Präfixlänge)",
  same_as_address: () => "Muss sich von der Adresse der Station unterscheiden",
  order: () => "Darf nicht vor dem Anfang liegen",
  in_range: () => "Darf nicht im DHCP-Bereich liegen",
  blanks: () => "Darf nicht mit Leerzeichen beginnen oder enden",
  too_many: (p) => `Höchstens ${p.max ?? 1000} Einträge`,
  not_certificate: () => "Kein gültiges Zertifikat (PEM)",
  sessions_running: () => "Erst die laufenden Ladevorgänge beenden",
  busy: () => "Läuft bereits",
  wrong_source: () => "Zeitquelle ist nicht „Browser“: erst „Browser“ wählen und speichern",
  not_supported: () => "Auf dieser Station nicht möglich",
  csrf: () => "Sicherheitsprüfung (CSRF) fehlgeschlagen: bitte Seite neu laden",
  no_session: () => "Nicht angemeldet oder Sitzung abgelaufen",
  read_only: () => "Nur lesbar",
  unknown_setting: () => "Unbekannte Einstellung",
  bad_authorization: () => "Berechtigung muss „accepted“ oder „blocked“ sein",
  columns: () => "Erwartet 4 Spalten: UID,GID,Expiry,Authorization",
  empty: () => "Die Datei ist leer",
  interrupted: () => "Der Upload wurde abgebrochen",
  forbidden: () => "Nur der Installateur darf das",
  above_owner_max: (p) => `Höchstens ${p.max} mA (Maximum des Installateurs)`,
  wrong_passphrase: () => "Falsche Passphrase, oder die Datei wurde verändert",
  invalid_backup: () => "Keine gültige Sicherung",
  period_order: () => "Der Zeitraum endet, bevor er beginnt",
  period_too_long: (p) => `Ein Zeitraum umfasst höchstens ${p.max ?? 2000} Tage`,
};

/** A refusal in `lang`: German by its code or its known text, English as the server wrote it. */
export function translateIssue(
  issue: { reason: string; code?: string; params?: Params },
  lang: "de" | "en",
): string {
  if (lang === "en") return issue.reason;
  const byCode = issue.code ? DE_CODES[issue.code] : undefined;
  return byCode ? byCode(issue.params ?? {}) : translateReason(issue.reason, lang);
}

/** `reason` in `lang`: German for the known texts, otherwise unchanged. */
export function translateReason(reason: string, lang: "de" | "en"): string {
  if (lang === "en") return reason;
  for (const [pattern, render] of DE) {
    const match = pattern.exec(reason);
    if (match) return render(match);
  }
  return reason;
}
