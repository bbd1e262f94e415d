// History: search, page through, open and delete past results.
import { api, bytes, el, fill, seconds, when } from "../lib.js";
import { showResult } from "./recognize.js";

const pageSize = 20;

export async function render(main, hash) {
  const search = el("input", { type: "search", id: "history-search", placeholder: "Words or file name" });
  const list = el("div", { id: "history-list" });
  const detail = el("div", { id: "history-detail" });
  let offset = 0;

  async function load() {
    const query = new URLSearchParams({ limit: pageSize, offset });
    if (search.value.trim()) query.set("q", search.value.trim());
    const page = await api("GET", `/api/history?${query}`);
    const previous = el("button", { class: "secondary", disabled: offset === 0, onclick: () => { offset -= pageSize; load(); } }, "Newer");
    const next = el("button", { class: "secondary", disabled: offset + pageSize >= page.total, onclick: () => { offset += pageSize; load(); } }, "Older");
    fill(list,
      el("p", { class: "muted", "aria-live": "polite" }, page.total === 0 ? "Nothing found." :
        `${offset + 1}–${offset + page.items.length} of ${page.total}`),
      el("div", { class: "table-wrap" }, el("table", {},
        el("thead", {}, el("tr", {}, ["Finished", "File", "State", "Text", "Audio", "Peak memory", ""].map((name) => el("th", {}, name)))),
        el("tbody", {}, page.items.map((job) => el("tr", {},
          el("td", { class: "num" }, when(job.finished_at)),
          el("td", {}, el("a", { href: `#/history/${job.id}` }, job.file_name)),
          el("td", {}, job.state),
          el("td", {}, job.state === "done" ? (job.text || "").trim().slice(0, 120)
            : job.state === "cancelled" ? el("span", { class: "muted" }, "Cancelled before it finished.")
            : el("span", { class: "error" }, job.error)),
          el("td", { class: "num" }, seconds(job.total_seconds)),
          memoryCell(job.memory),
          el("td", {}, el("button", { class: "danger", "aria-label": `Delete ${job.file_name}`, onclick: async () => {
            await api("DELETE", `/api/history/${job.id}`);
            load();
          } }, "Delete"))))))),
      el("div", { class: "row" }, previous, next));
  }

  // What the job used above what its device held when it started (the weights are not counted).
  function memoryText(memory) {
    const wait = memory.wait_ms > 0 ? `; waited ${(memory.wait_ms / 1000).toFixed(1)} s for memory` : "";
    return `Peak ${bytes(memory.peak_allocated_bytes)} above the loaded models; reserved rose ${bytes(memory.peak_reserved_bytes)}, `
      + `${bytes(memory.cache_growth_bytes)} left in the cache${wait}.`;
  }
  function memoryCell(memory) {
    if (!memory) return el("td", { class: "num muted" }, "–");
    return el("td", { class: "num job-memory", title: memoryText(memory) }, `+${bytes(memory.peak_allocated_bytes)}`);
  }

  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { offset = 0; load(); }, 250);
  });

  main.append(el("h1", {}, "History"), detail,
    el("section", { class: "card" }, el("label", { for: "history-search" }, "Search"), search, list));
  const opened = hash.split("/")[2];
  if (opened) {
    const job = await api("GET", `/api/jobs/${opened}`).catch((error) => ({ error: error.message }));
    if (job.transcript) {
      showResult(detail, job);
      if (job.memory) detail.querySelector("h2").after(el("p", { class: "muted", id: "job-memory" }, memoryText(job.memory)));
    }
    else fill(detail, el("p", { class: job.error ? "error" : "muted" }, job.error || `This job is ${job.state}.`));
  }
  await load();
}
