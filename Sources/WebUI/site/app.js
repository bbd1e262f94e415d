// The page shell: hash routes to pages, and the warning banner shown on every page.
import { api, el, fill, onServerEvent } from "./lib.js";
import * as recognize from "./pages/recognize.js";
import * as batch from "./pages/batch.js";
import * as history from "./pages/history.js";
import * as models from "./pages/models.js";
import * as system from "./pages/system.js";

const pages = { recognize, batch, history, models, system };
const main = document.getElementById("page");
let leave = null;

async function route() {
  const name = (location.hash.replace(/^#\//, "").split("/")[0]) || "recognize";
  const page = pages[name] || recognize;
  if (leave) leave();
  leave = null;
  for (const link of document.querySelectorAll("nav a")) {
    link.toggleAttribute("aria-current", link.getAttribute("href") === `#/${name}`);
    if (link.hasAttribute("aria-current")) link.setAttribute("aria-current", "page");
  }
  fill(main);
  document.title = `Auris · ${name[0].toUpperCase()}${name.slice(1)}`;
  leave = (await page.render(main, location.hash)) || null;
  main.focus({ preventScroll: true });
}
window.addEventListener("hashchange", route);
route();

// The banner: a threshold warning, with its suggested action as a button. Warnings come from
// the memory report at load and then live from policy events.
const banner = document.getElementById("banner");
const warnings = new Map();

function showWarnings() {
  banner.hidden = warnings.size === 0;
  fill(banner, [...warnings.values()].map((warning) => el("span", { class: "row" },
    el("strong", {}, `Memory warning on ${warning.device}:`),
    el("span", {}, warning.suggestion || warning.reason || ""),
    el("button", { class: "secondary", onclick: clearFromBanner }, `Clear ${warning.device} cache now`))));
}

async function clearFromBanner(event) {
  event.target.disabled = true;
  try { await api("POST", "/api/system/clear_cache"); } finally { event.target.disabled = false; }
}

api("GET", "/api/system/memory").then((report) => {
  for (const warning of report.warnings || []) warnings.set(warning.device, warning);
  showWarnings();
  onServerEvent("policy", (action) => {
    if (action.kind === "warning") warnings.set(action.device, action);
    if (action.kind === "warning_cleared") warnings.delete(action.device);
    showWarnings();
  });
}).catch(() => { /* not an administrator: the memory routes are closed, so no banner */ });
