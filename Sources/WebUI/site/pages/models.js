// Models: which are loaded or asleep, where, how many bytes, until when; load, sleep, wake and unload.
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
        el("td", {}, state(model)),
        el("td", {}, model.device),
        el("td", {}, model.sleeping ? el("span", {}, byteSpan(model.host_bytes), " in host memory") : byteSpan(model.bytes_held)),
        el("td", { class: "num" }, model.loaded ? (model.expires_at ? when(model.expires_at) : "when unloaded by hand") : ""),
        el("td", {}, el("div", { class: "row" }, actions(model))))))));
  }

  function state(model) {
    if (model.sleeping) return "asleep";
    if (!model.loaded) return "not loaded";
    const woke = model.last_wake_ms != null ? ` (woke in ${Math.round(model.last_wake_ms)} ms)` : "";
    return (model.active_jobs > 0 ? "transcribing" : "loaded") + woke;
  }

  function actions(model) {
    const button = (action, label, secondary) => el("button", { class: secondary ? "secondary" : "",
      "aria-label": `${label} ${model.id}`, onclick: () => act(model.id, model.device, action) }, label);
    if (model.sleeping) return [button("wake", "Wake"), button("unload", "Unload", true)];
    if (model.loaded) return [button("sleep", "Sleep", true), button("unload", "Unload", true)];
    return [button("load", "Load")];
  }

  const doing = { load: "Loading", unload: "Unloading", sleep: "Putting to sleep", wake: "Waking" };
  const done = { load: "loaded", unload: "unloaded", sleep: "asleep: its weights are in host memory and the device's memory is released",
    wake: "awake" };
  async function act(id, device, action) {
    status.textContent = `${doing[action]} ${id} on ${device}…`;
    try {
      await api("POST", `/api/models/${encodeURIComponent(id)}/${action}?device=${encodeURIComponent(device)}`);
      status.textContent = `${id} ${done[action]}.`;
    } catch (error) {
      status.textContent = error.message;
    }
    await load();
  }

  main.append(el("h1", {}, "Models"), el("section", { class: "card" }, table, status,
    el("p", { class: "muted" }, "Unloading returns a model's memory to the cache; clear the cache on the System page to give it back to the device. "
      + "Sleep keeps its weights in host memory and gives the device's memory back; a request for it wakes it.")));
  await load().catch((error) => { status.textContent = error.message; });
}
