// Batch: many files at once, each with its state and progress; results one by one or as a zip.
import { api, dropZone, downloads, el, fill, follow, formats, modelOptions, seconds } from "../lib.js";
import { zip } from "../zip.js";

export async function render(main, hash) {
  const input = el("input", { type: "file", id: "batch-files", multiple: true, accept: "audio/*,video/*", "aria-label": "Audio files" });
  const model = el("select", { id: "batch-model" });
  const device = el("select", { id: "batch-device" });
  const language = el("input", { type: "text", id: "batch-language", placeholder: "auto" });
  const start = el("button", { type: "submit", id: "batch-start", disabled: true }, "Transcribe all");
  const status = el("p", { class: "muted", "aria-live": "polite", id: "batch-status" });
  const table = el("div", { id: "batch-table" }, el("p", { class: "muted" }, "The files you send appear here, each with its progress."));
  let stopped = false;

  input.addEventListener("change", () => {
    start.disabled = input.files.length === 0;
    status.textContent = `${input.files.length} file(s) chosen.`;
  });
  const form = el("form", {},
    dropZone(input, "Drop audio files here, or choose several."),
    el("div", { class: "fields" },
      el("div", {}, el("label", { for: "batch-model" }, "Model"), model),
      el("div", {}, el("label", { for: "batch-device" }, "Device"), device),
      el("div", {}, el("label", { for: "batch-language" }, "Language"), language)),
    el("div", { class: "row" }, start), status);

  async function watch(id) {
    location.hash = `#/batch/${id}`;
    await follow(`/api/batches/${id}`, (batch) => {
      status.textContent = `Batch ${batch.state}: ${batch.done} done, ${batch.failed} failed, ${batch.cancelled} cancelled of ${batch.total} (${Math.round(batch.progress * 100)} %).`;
      fill(table, batchTable(batch));
      return stopped || ["done", "failed", "cancelled"].includes(batch.state);
    }, 700);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = new FormData();
    for (const file of input.files) body.append("files", file, file.name);
    body.append("model", model.value);
    if (device.value) body.append("device", device.value);
    if (language.value.trim()) body.append("language", language.value.trim());
    start.disabled = true;
    status.textContent = "Uploading…";
    try {
      const batch = await api("POST", "/api/batches", body);
      await watch(batch.id);
    } catch (error) {
      status.textContent = "";
      fill(table, el("p", { class: "error", role: "alert" }, error.message));
    } finally {
      start.disabled = false;
    }
  });

  main.append(el("h1", {}, "Batch"), el("section", { class: "card" }, form), el("section", { class: "card" }, table));
  modelOptions(model, device).catch((error) => { status.textContent = error.message; });
  // A batch named in the address (after a reload) is followed again.
  const existing = hash.split("/")[2];
  if (existing) watch(existing).catch((error) => { status.textContent = error.message; });
  return () => { stopped = true; };
}

function batchTable(batch) {
  const finished = batch.files.filter((file) => file.state === "done");
  const format = el("select", { "aria-label": "Format of the zip", style: "width:auto" }, formats.map((name) => el("option", { value: name }, name)));
  const download = el("button", { class: "secondary", disabled: finished.length === 0, id: "batch-zip", onclick: async () => {
    const files = await Promise.all(finished.map(async (file) => ({
      name: `${file.file_name.replace(/\.[^.]+$/, "")}.${format.value}`,
      text: await api("GET", `/api/history/${file.id}?format=${format.value}`).then((value) =>
        typeof value === "string" ? value : JSON.stringify(value, null, 2)),
    })));
    const link = el("a", { href: URL.createObjectURL(zip(files)), download: `batch-${batch.id.slice(0, 8)}.zip` });
    link.click();
    URL.revokeObjectURL(link.href);
  } }, "Download all as zip");
  const pending = batch.files.some((file) => file.state === "queued" || file.state === "running");
  const cancelAll = el("button", { class: "danger", hidden: !pending, id: "batch-cancel",
    onclick: () => api("DELETE", `/api/batches/${batch.id}`).catch(() => {}) }, "Cancel the rest");
  return [
    el("div", { class: "row" }, el("h2", {}, "Files"), download, format, cancelAll),
    el("div", { class: "table-wrap" }, el("table", {},
      el("thead", {}, el("tr", {}, ["File", "State", "Progress", "Result", "Audio"].map((name) => el("th", {}, name)))),
      el("tbody", {}, batch.files.map((file) => el("tr", { dataset: { state: file.state } },
        el("td", {}, file.file_name),
        el("td", {}, file.state, file.waiting ? el("span", { class: "muted job-waiting" }, ` — ${file.waiting}`) : ""),
        el("td", {}, el("progress", { max: 1, value: file.progress ?? 0, "aria-label": `Progress of ${file.file_name}` })),
        el("td", {}, file.state === "done" ? downloads(file.id)
          : file.error ? el("span", { class: "error" }, file.error)
          : file.state === "queued" || file.state === "running"
            ? el("button", { class: "danger", "aria-label": `Cancel ${file.file_name}`,
                onclick: () => api("DELETE", `/api/jobs/${file.id}`).catch(() => {}) }, "Cancel")
            : ""),
        el("td", { class: "num" }, seconds(file.total_seconds))))))),
  ];
}
