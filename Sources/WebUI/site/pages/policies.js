// The policy editor: every automatic-care setting, saved with PUT; the server's validation
// message is shown next to the form when it refuses a value, and the field it names is marked.
import { api, el, fill } from "../lib.js";

const fields = [
  ["warning_fraction", "Warn when reserved passes (share of the device, 0–1)", "number", "0.01"],
  ["cleanup_on_threshold", "Clear the cache when the warning starts", "checkbox"],
  ["cleanup_every_jobs", "Light cleanup every N jobs (0 = off)", "number", "1"],
  ["cleanup_minimum_cached_bytes", "…only when more than this many bytes are cached", "number", "1"],
  ["cleanup_schedule", "Scheduled cleanup (cron, e.g. 0 * * * *; empty = off)", "text"],
  ["schedule_time_zone", "Time zone of the schedule", "text"],
  ["idle_unload_seconds", "Unload models idle for (seconds; empty = never)", "number", "1"],
  ["unload_idle_on_pressure", "Unload idle models when memory runs out", "checkbox"],
];

export async function policyEditor() {
  const policies = await api("GET", "/api/system/policies");
  const message = el("p", { id: "policy-message", "aria-live": "polite" });
  const inputs = {};
  const form = el("form", { id: "policy-form" }, el("div", { class: "fields" }, fields.map(([key, text, type, step]) => {
    const input = el("input", { id: `policy-${key}`, name: key, type, step });
    if (type === "checkbox") input.checked = policies[key];
    else input.value = policies[key] ?? "";
    inputs[key] = input;
    return el("div", {}, el("label", { for: `policy-${key}` }, text), input);
  })), el("div", { class: "row" }, el("button", { type: "submit", id: "policy-save" }, "Save policies")), message);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {};
    for (const [key, , type] of fields) {
      const input = inputs[key];
      if (type === "checkbox") body[key] = input.checked;
      else if (type === "number") body[key] = input.value.trim() === "" ? null : Number(input.value);
      else body[key] = input.value.trim() === "" && key === "cleanup_schedule" ? null : input.value.trim();
    }
    for (const input of Object.values(inputs)) input.removeAttribute("aria-invalid");
    try {
      await api("PUT", "/api/system/policies", body);
      message.className = "";
      fill(message, "Saved.");
    } catch (error) {
      message.className = "error";
      message.setAttribute("role", "alert");
      fill(message, error.message);
      const wrong = inputs[error.field];
      if (wrong) {
        wrong.setAttribute("aria-invalid", "true");
        wrong.focus();
      }
    }
  });
  return form;
}
