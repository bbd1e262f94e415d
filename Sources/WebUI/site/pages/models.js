// Models: which are loaded, where, how many bytes, until when; load and unload.
import { api, byteSpan, el, fill, when } from "../lib.js";

export async function render(main) {
  const table = el("div", { id: "models-table", class: "table-wrap" });
  const status = el("p", { class: "muted", "aria-live": "polite" });

  async function load() {
    const { models, default_model: fallback } = await api("GET", "/api/models");
    fill(table, el("table", {},
      el("thead", {}, el("tr", {}, ["Model", "State", "Device", "Bytes held", "Unloads at", ""].map((name) => el("th", {}, name)))),
      el("tbody", {}, models.map((model) => el("tr", { dataset: { model: model.id, device: model.device } },
        el("td", {}, model.id, model.id === fallback ? el("span", { class: "muted" }, " (default)") : ""),
        el("td", {}, model.loaded ? (model.active_jobs > 0 ? "transcribing" : "loaded") : "not loaded"),
        el("td", {}, model.device),
        el("td", {}, byteSpan(model.bytes_held)),
        el("td", { class: "num" }, model.loaded ? (model.expires_at ? when(model.expires_at) : "when unloaded by hand") : ""),
        el("td", {}, model.loaded
          ? el("button", { class: "secondary", onclick: () => act(model.id, model.device, "unload") }, "Unload")
          : el("button", { onclick: () => act(model.id, model.device, "load") }, "Load")))))));
  }

  async function act(id, device, action) {
    status.textContent = `${action === "load" ? "Loading" : "Unloading"} ${id} on ${device}…`;
    try {
      await api("POST", `/api/models/${encodeURIComponent(id)}/${action}?device=${encodeURIComponent(device)}`);
      status.textContent = `${id} ${action === "load" ? "loaded" : "unloaded"}.`;
    } catch (error) {
      status.textContent = error.message;
    }
    await load();
  }

  main.append(el("h1", {}, "Models"), el("section", { class: "card" }, table, status,
    el("p", { class: "muted" }, "Unloading returns a model's memory to the cache; clear the cache on the System page to give it back to the device.")));
  await load().catch((error) => { status.textContent = error.message; });
}
