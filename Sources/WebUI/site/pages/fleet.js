// The workers sharing this server's database (docs/scale-out.md): each one's memory per device
// and its models, with a clear and an unload-and-clear per device that the worker itself
// carries out. Alone, the list is this one server.
import { api, bytes, el, fill } from "../lib.js";

export function fleetSection(showClear) {
  const list = el("div", { id: "fleet" });
  const result = el("div", { id: "fleet-result", "aria-live": "polite" });
  async function act(button, action, worker, device) {
    button.disabled = true;
    try {
      const outcome = await api("POST", `/api/fleet/${action}?worker=${encodeURIComponent(worker)}&device=${encodeURIComponent(device)}`);
      const chart = el("div");
      showClear(chart, outcome.result);
      fill(result, el("p", {}, `${worker} cleared ${device}`, outcome.audit_id ? ` (audit entry ${outcome.audit_id})` : ""), chart);
      await refresh();
    } catch (error) {
      fill(result, el("p", { class: "error", role: "alert" }, error.message));
    } finally {
      button.disabled = false;
    }
  }
  async function refresh() {
    const fleet = await api("GET", "/api/fleet").catch((error) => ({ error }));
    if (fleet.error) return fill(list, el("p", { class: "error" }, fleet.error.message));
    const rows = fleet.workers.flatMap((worker) => (worker.devices.length ? worker.devices : [null]).map((device, index) => {
      const cells = [];
      if (index === 0) {
        const span = { rowspan: Math.max(1, worker.devices.length) };
        const models = worker.resident_models.map((model) => `${model.model} (${model.device})`).join(", ") || "none loaded";
        cells.push(el("th", { ...span, scope: "row" }, worker.name + (worker.self ? " (this one)" : ""),
          el("br"), el("span", { class: "muted" }, worker.reporting ? `reported ${worker.seconds_since_report.toFixed(0)} s ago`
            : `silent for ${worker.seconds_since_report.toFixed(0)} s`)),
          el("td", span, models));
      }
      if (!device) return el("tr", {}, ...cells, el("td", { colspan: 3, class: "muted" }, "no device opened yet"));
      const used = device.device_total_bytes - device.device_free_bytes;
      const clear = el("button", { class: "secondary" }, "Clear cache");
      const unload = el("button", { class: "secondary" }, "Unload and clear");
      clear.addEventListener("click", () => act(clear, "clear_cache", worker.name, device.device));
      unload.addEventListener("click", () => act(unload, "unload_and_clear", worker.name, device.device));
      if (!worker.reporting) clear.disabled = unload.disabled = true;
      return el("tr", { dataset: { worker: worker.name, device: device.device } }, ...cells,
        el("td", {}, device.device),
        el("td", { class: "num" }, `${bytes(device.allocated_bytes)} / ${bytes(device.reserved_bytes)} / ${bytes(used)} / ${bytes(device.device_total_bytes)}`),
        el("td", {}, el("div", { class: "row" }, clear, unload)));
    }));
    fill(list, el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "Worker"), el("th", {}, "Models loaded"), el("th", {}, "Device"),
        el("th", {}, "Allocated / reserved / used / total"), el("th", {}, ""))),
      el("tbody", {}, ...rows)));
  }
  refresh();
  const timer = setInterval(() => (list.isConnected ? refresh() : clearInterval(timer)), 5000);
  return el("section", { class: "card" }, el("h2", {}, "Workers"),
    el("p", { class: "muted" }, "Every Auris sharing this server's database; a clear is carried out by the worker that holds the memory."),
    list, result);
}
