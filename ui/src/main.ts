/**
 * Entry point of the browser bundle: renders the interface into `#app`.
 * @module
 */
import { html, render } from "htm/preact";
import { App } from "./app.ts";
import { lang } from "./i18n.ts";

document.documentElement.lang = lang.get();
render(html`<${App} />`, document.getElementById("app")!);
