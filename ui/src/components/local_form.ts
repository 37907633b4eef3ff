/**
 * A small form that is not made of settings (login, password): values, field errors from a
 * refusal, busy flag.
 * @module
 */
import { useState } from "preact/hooks";
import { ApiError } from "../api.ts";
import { issueText } from "../i18n.ts";
import type { FormLike } from "./field.ts";

/** A local form and its helpers. */
export interface LocalForm extends FormLike {
  values: Record<string, string>;
  busy: boolean;
  setBusy(busy: boolean): void;
  setErrors(errors: Record<string, string>): void;
  /** Puts the issues of a refusal next to their fields; returns the rest as texts. */
  showRefusal(e: ApiError): string[];
  reset(): void;
}

/** A local form with the initial `values`. */
export function useLocalForm(initial: Record<string, string>): LocalForm {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  return {
    values,
    busy,
    setBusy,
    setErrors,
    value: (k) => values[k],
    error: (k) => errors[k],
    set: (k, v) => {
      setValues((old) => ({ ...old, [k]: String(v) }));
      setErrors((old) => {
        const { [k]: _, ...rest } = old;
        return rest;
      });
    },
    showRefusal(e) {
      const byField: Record<string, string> = {};
      const rest: string[] = [];
      const issues = e.issues.length > 0
        ? e.issues
        : [{ field: e.field ?? "", reason: e.reason ?? e.message }];
      for (const issue of issues) {
        if (issue.field in values) byField[issue.field] ??= issueText(issue);
        else rest.push(issueText(issue));
      }
      setErrors(byField);
      return rest;
    },
    reset: () => {
      setValues(initial);
      setErrors({});
    },
  };
}
