// Helpers every page uses: the API, numbers in human units, and a small DOM builder.

/** Calls the API; returns the JSON (or text) answer, or throws an Error carrying the API's code. */
export async function api(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body instanceof FormData || body instanceof Blob) init.body = body;
  else if (body !== undefined) { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
  const response = await fetch(path, init);
  const type = response.headers.get("Content-Type") || "";
  const payload = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const error = new Error(payload?.error?.message || `${response.status} ${response.statusText}`);
    error.code = payload?.error?.code;
    error.field = payload?.error?.field;
    error.status = response.status;
    throw error;
  }
  return payload;
}

const units = ["B", "KiB", "MiB", "GiB", "TiB"];
/** Bytes in binary units with two decimals: "1.50 GiB". */
export function bytes(count) {
  let value = count, unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return unit === 0 ? `${count} B` : `${value.toFixed(2)} ${units[unit]}`;
}

/** A span with the human figure, and the exact count on hover. */
export function byteSpan(count) {
  return el("span", { class: "num", title: `${count.toLocaleString("en")} bytes` }, bytes(count));
}

export function seconds(value) {
  if (value == null) return "";
  const whole = Math.floor(value), minutes = Math.floor(whole / 60);
  return minutes ? `${minutes}:${String(whole % 60).padStart(2, "0")}` : `${value.toFixed(1)} s`;
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

/** el("button", {class: "x", onclick: f}, "Text", child, ...) */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces the contents of `node`. */
export function fill(node, ...children) {
  node.replaceChildren();
  for (const child of children.flat()) if (child != null) node.append(child instanceof Node ? child : String(child));
  return node;
}

/** A drop zone over a file input: drag and drop or click to choose. */
export function dropZone(input, text) {
  const zone = el("div", { class: "drop" }, el("p", {}, text), input);
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    input.files = event.dataTransfer.files;
    input.dispatchEvent(new Event("change"));
  });
  return zone;
}

/** The models as <option>s, the default first selected. */
/**
 * Fills a model choice (each model once, the default selected) and, when given, a device
 * choice: with several serving devices, "first free" or one of them; with one, just its name.
 */
export async function modelOptions(select, deviceSelect) {
  const { models, default_model: fallback, devices = [] } = await api("GET", "/api/models");
  const ids = [...new Set(models.map((model) => model.id))];
  fill(select, ids.map((id) => el("option", { value: id, selected: id === fallback }, id)));
  if (!deviceSelect) return;
  const several = devices.length > 1;
  fill(deviceSelect, (several ? [el("option", { value: "" }, "first free")] : [])
    .concat(devices.map((device) => el("option", { value: several ? device : "" }, device))));
}

export const formats = ["txt", "srt", "vtt", "json"];

/** Links that download a finished job's transcript in each format. */
export function downloads(jobID) {
  return el("span", { class: "row" }, formats.map((format) =>
    el("a", { href: `/api/history/${jobID}?format=${format}`, download: "" }, format)));
}

/** Polls `path` every `interval` ms, calling `onUpdate` with each answer, until it returns true. */
export async function follow(path, onUpdate, interval = 400) {
  for (;;) {
    const value = await api("GET", path);
    if (onUpdate(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

// One events connection for the whole page (admin only: loopback or token). Listeners
// subscribe by event name; a page that goes away unsubscribes.
const listeners = new Map();
let source = null;
export function onServerEvent(name, listener) {
  if (!source) {
    source = new EventSource("/api/system/events");
    for (const event of ["memory", "job", "policy", "clear_cache"]) {
      source.addEventListener(event, (message) => {
        const data = JSON.parse(message.data);
        for (const each of listeners.get(event) || []) each(data);
      });
    }
  }
  if (!listeners.has(name)) listeners.set(name, new Set());
  listeners.get(name).add(listener);
  return () => listeners.get(name).delete(listener);
}
