/**
 * A modal confirmation (native `<dialog>`: focus stays inside, Escape cancels).
 * @module
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n.ts";

/** Props of {@linkcode ConfirmDialog}. */
export interface ConfirmProps {
  id: string;
  open: boolean;
  title: string;
  text: string;
  confirmLabel: string;
  danger?: boolean;
  onConfirm(): void;
  onCancel(): void;
  children?: unknown;
}

/** Asks before something that cannot be undone. */
export function ConfirmDialog(props: ConfirmProps): VNode {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return html`
    <dialog
      ref=${ref}
      id=${props.id}
      class="dialog"
      aria-labelledby=${props.id + "-title"}
      onCancel=${(e: Event) => {
        e.preventDefault();
        props.onCancel();
      }}
    >
        <h2 id=${props.id + "-title"}>${props.title}</h2>
        <p>${props.text}</p>
        ${props.children}
        <div class="actions">
          <button type="button" class=${props.danger ? "danger" : "primary"} onClick=${props
            .onConfirm}>
            ${props.confirmLabel}
          </button>
          <button type="button" onClick=${props.onCancel}>${t(
            "common.cancel",
          )}</button>
        </div>
      </dialog>
  ` as VNode;
}
