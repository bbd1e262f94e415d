// System: live memory per device, clear cache with a before/after chart, unload and clear,
// the last hour of memory, the workers sharing the database, the segment map, the policies, and
// the audit log.
import { api, byteSpan, bytes, el, fill, onServerEvent, when } from "../lib.js";
import { fleetSection } from "./fleet.js";
import { policyEditor } from "./policies.js";

export async function render(main) {
  const report = await api("GET", "/api/system/memory").catch((error) => ({ error }));
  if (report.error) {
    main.append(el("h1", {}, "System"), el("p", { class: "error", role: "alert" }, report.error.message));
    return;
  }
  const cuda = report.cuda_available;
  const gauges = el("div", { id: "gauges" });
  const breakdown = el("div", { id: "breakdown" });
  const clearResult = el("div", { id: "clear-result", "aria-live": "polite" });
  const timeline = el("div", { class: "timeline", id: "timeline" });
  const segments = el("div", { id: "segment-map" });
  const audit = el("div", { id: "audit-log" });
  const samples = [];

  const clearLabel = cuda ? "Clear GPU cache" : "Clear CPU cache";
  const clear = el("button", { id: "clear-cache" }, clearLabel);
  const unload = el("button", { id: "unload-and-clear", class: "secondary" }, "Unload models and clear cache");
  async function act(button, path) {
    button.disabled = true;
    try {
      const result = await api("POST", path);
      showClear(clearResult, result);
      await Promise.all([refreshSegments(segments), refreshAudit(audit), refreshPreview(), refreshBreakdown()]);
    } catch (error) {
      fill(clearResult, el("p", { class: "error", role: "alert" }, error.message));
    } finally {
      button.disabled = false;
    }
  }
  // The button says what a clear would give back now; refreshed from the event stream, at most
  // every few seconds, and after each clear.
  let previewed = 0;
  async function refreshPreview() {
    previewed = Date.now();
    const preview = await api("GET", "/api/system/clear_cache/preview").catch(() => null);
    if (!preview) return;
    const releasable = preview.devices.reduce((sum, device) => sum + device.releasable_bytes, 0);
    const fragmented = preview.devices.reduce((sum, device) => sum + device.fragmented_bytes, 0);
    fill(clear, `${clearLabel} — frees about ${bytes(releasable)}`);
    clear.title = `${releasable.toLocaleString("en")} bytes in whole free segments; ${bytes(fragmented)} free inside segments in use stays (fragmentation)`;
  }
  clear.addEventListener("click", () => act(clear, "/api/system/clear_cache"));
  unload.addEventListener("click", () => act(unload, "/api/system/unload_and_clear"));

  main.append(
    el("h1", {}, "System"),
    el("p", { id: "cuda-status", class: cuda ? "" : "muted" }, cuda
      ? "CUDA is available: the buttons act on every GPU and on the host."
      : `CUDA is not available on this server: ${(report.cuda_unavailable_reason || "no NVIDIA driver").replace(/^CUDA is not available:\s*/, "")}. The cache cleared is the CPU's.`),
    el("div", { class: "grid" },
      el("section", { class: "card" }, el("h2", {}, "Memory now"), gauges, legend(),
        el("h3", {}, "What holds it"), breakdown),
      el("section", { class: "card" }, el("h2", {}, "Give memory back"),
        el("p", { class: "muted" }, "Clearing releases cached memory that no tensor uses; work in progress is never touched."),
        el("div", { class: "row" }, clear, unload), clearResult)),
    el("section", { class: "card" }, el("h2", {}, "The last hour"), timeline, legend()),
    fleetSection(showClear),
    el("section", { class: "card" }, el("h2", {}, "Segments (CPU)"),
      el("p", { class: "muted" }, "Each row is a segment held from the device; green blocks are live, amber cached, and cached space inside a row with live blocks is fragmentation."),
      el("div", { class: "segments-scroll" }, segments)),
    el("section", { class: "card" }, el("h2", {}, "Policies"), await policyEditor()),
    el("section", { class: "card" }, el("h2", {}, "Audit log"), audit));

  showGauges(gauges, report.devices.filter((device) => device.allocator_open).map((device) => ({
    device: device.device, allocated_bytes: device.allocated_bytes, reserved_bytes: device.reserved_bytes,
    device_free_bytes: device.memory.free_bytes, device_total_bytes: device.memory.total_bytes })));
  showBreakdown(breakdown, report.breakdown || []);
  // The breakdown needs the models, which memory samples do not carry: fetched again at most
  // every few seconds while samples arrive.
  let brokenDown = Date.now();
  async function refreshBreakdown() {
    brokenDown = Date.now();
    const latest = await api("GET", "/api/system/memory").catch(() => null);
    if (latest) showBreakdown(breakdown, latest.breakdown || []);
  }
  const history = await api("GET", "/api/system/memory/timeline").catch(() => ({ samples: [] }));
  samples.push(...history.samples);
  drawTimeline(timeline, samples);
  await Promise.all([refreshSegments(segments), refreshAudit(audit), refreshPreview()]);

  const unsubscribe = [
    onServerEvent("memory", (sample) => {
      showGauges(gauges, sample.devices);
      samples.push(sample);
      while (samples.length && Date.parse(samples[0].time) < Date.now() - 3600e3) samples.shift();
      drawTimeline(timeline, samples);
      if (Date.now() - previewed > 5000) refreshPreview();
      if (Date.now() - brokenDown > 5000) refreshBreakdown();
    }),
    onServerEvent("policy", () => refreshAudit(audit)),
    onServerEvent("clear_cache", () => refreshAudit(audit)),
  ];
  return () => unsubscribe.forEach((stop) => stop());
}

function legend() {
  const item = (name, text) => el("span", {}, el("span", { class: `swatch fill ${name}` }), text);
  return el("div", { class: "legend" }, item("allocated", "allocated (live tensors)"),
    item("reserved", "reserved (allocated + cached)"), item("used", "device used (all processes)"));
}

function showGauges(container, devices) {
  fill(container, devices.map((device) => {
    const total = device.device_total_bytes || 1;
    const used = total - device.device_free_bytes;
    const share = (value) => `${Math.min(100, (100 * value) / total).toFixed(2)}%`;
    return el("div", { class: "gauge", dataset: { device: device.device } },
      el("div", { class: "row" }, el("strong", {}, device.device), el("span", { class: "muted" }, "allocated"),
        byteSpan(device.allocated_bytes), el("span", { class: "muted" }, "reserved"), byteSpan(device.reserved_bytes),
        el("span", { class: "muted" }, "device used"), byteSpan(used), el("span", { class: "muted" }, "of"), byteSpan(total)),
      el("div", { class: "bar", role: "img", "aria-label": `${device.device}: ${bytes(device.reserved_bytes)} reserved of ${bytes(total)}` },
        el("span", { class: "fill used", style: `width:${share(used)}` }),
        el("span", { class: "fill reserved", style: `width:${share(device.reserved_bytes)}` }),
        el("span", { class: "fill allocated", style: `width:${share(device.allocated_bytes)}` })));
  }));
}

const partNames = { weights: "weights", jobs: "running jobs", workspace: "workspace", cached: "cached, free",
  context: "CUDA context", other_processes: "other processes" };

/** Per device, one stacked bar of what holds its memory; the parts add up to the whole
 * (reserved on the host, device used on a GPU), and what no source accounts for is said. */
function showBreakdown(container, breakdowns) {
  fill(container, breakdowns.map((device) => {
    const whole = Math.max(1, device.total_bytes);
    const name = (part) => part.kind === "weights" ? `weights of ${part.model}` : partNames[part.kind];
    const parts = device.parts.filter((part) => part.bytes > 0);
    return el("div", { class: "breakdown", dataset: { device: device.device } },
      el("div", { class: "row" }, el("strong", {}, device.device), el("span", { class: "muted" },
        `${bytes(device.total_bytes)} ${device.device === "cpu" ? "reserved" : "used on the device"}`)),
      el("div", { class: "stack", role: "img", "aria-label": `${device.device}: ` + parts.map((part) => `${name(part)} ${bytes(part.bytes)}`).join(", ") },
        parts.map((part) => el("span", { class: `part ${part.kind}`, title: `${name(part)}: ${bytes(part.bytes)}`,
          style: `width:${((100 * part.bytes) / whole).toFixed(2)}%`, dataset: { kind: part.kind, bytes: part.bytes } }))),
      el("div", { class: "legend" }, parts.map((part) => el("span", {}, el("span", { class: `swatch part ${part.kind}` }),
        `${name(part)} ${bytes(part.bytes)}`)),
        device.unaccounted_bytes !== 0 ? el("span", {}, `not accounted for: ${bytes(device.unaccounted_bytes)}`) : ""));
  }));
}

/** The before/after bar chart of one clear, per device, with what it gave back and how fast. */
function showClear(container, result) {
  const svg = (tag, attributes) => {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    return node;
  };
  fill(container, result.devices.map((device) => {
    const bars = [["allocated before", device.before.allocated_bytes, "var(--live)"], ["allocated after", device.after.allocated_bytes, "var(--live)"],
      ["reserved before", device.before.reserved_bytes, "var(--cached)"], ["reserved after", device.after.reserved_bytes, "var(--cached)"]];
    const largest = Math.max(1, ...bars.map((bar) => bar[1]));
    const chart = svg("svg", { viewBox: "0 0 400 150", role: "img", "aria-label": `Before and after on ${device.device}` });
    bars.forEach(([name, value, color], index) => {
      const y = 8 + index * 35, width = Math.max(1, (190 * value) / largest);
      chart.append(svg("rect", { x: 110, y, width, height: 24, fill: color, "data-name": name, "data-bytes": value }));
      const label = svg("text", { x: 0, y: y + 17, "font-size": 13 });
      label.textContent = name;
      const figure = svg("text", { x: 114 + width, y: y + 17, "font-size": 12 });
      figure.textContent = bytes(value);
      const title = svg("title", {});
      title.textContent = `${value.toLocaleString("en")} bytes`;
      figure.append(title);
      chart.append(label, figure);
    });
    return el("div", { class: "chart", dataset: { device: device.device } },
      el("p", {}, el("strong", {}, device.device), ": released ", byteSpan(device.released_bytes),
        ` in ${device.released_segments} segment(s), `, el("span", { class: "num", id: "clear-duration" }, `${result.duration_ms.toFixed(2)} ms`),
        result.unloaded_models?.length ? `; unloaded ${result.unloaded_models.join(", ")}` : ""),
      chart);
  }));
}

function drawTimeline(container, samples) {
  const width = 720, height = 160;
  if (samples.length < 2) { fill(container, el("p", { class: "muted" }, "Collecting samples (one a second)…")); return; }
  const start = Date.parse(samples[0].time), end = Date.parse(samples.at(-1).time) || start + 1;
  const devices = [...new Set(samples.flatMap((sample) => sample.devices.map((device) => device.device)))];
  const peak = Math.max(1, ...samples.flatMap((sample) => sample.devices.map((device) => device.reserved_bytes)));
  const point = (sample, value) => `${((Date.parse(sample.time) - start) / Math.max(1, end - start)) * width},${height - (value / peak) * (height - 10)}`;
  const lines = devices.flatMap((name) => ["reserved_bytes", "allocated_bytes"].map((key) => {
    const points = samples.map((sample) => {
      const device = sample.devices.find((each) => each.device === name);
      return device ? point(sample, device[key]) : null;
    }).filter(Boolean).join(" ");
    const color = key === "reserved_bytes" ? "var(--cached)" : "var(--live)";
    return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"><title>${name} ${key.replace("_bytes", "")}</title></polyline>`;
  }));
  container.innerHTML = `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Allocated and reserved memory over the last hour">
    <line x1="0" y1="${height - 0.5}" x2="${width}" y2="${height - 0.5}" stroke="#d9dde5"/>${lines.join("")}</svg>
    <p class="legend"><span>${new Date(start).toLocaleTimeString()} – ${new Date(end).toLocaleTimeString()}</span><span>peak reserved ${bytes(peak)}</span></p>`;
}

async function refreshSegments(container) {
  const snapshot = await api("GET", "/api/system/memory/snapshot?device=cpu").catch(() => null);
  if (!snapshot) { fill(container, el("p", { class: "muted" }, "No allocator is open yet.")); return; }
  const segments = [...snapshot.segments].sort((a, b) => b.total_size - a.total_size);
  fill(container, segments.length === 0 ? el("p", { class: "muted" }, "No segments: nothing is held from the device.") :
    segments.map((segment) => el("div", { class: "segment", title: `${segment.segment_type} segment, ${bytes(segment.total_size)}, ${bytes(segment.allocated_size)} live` },
      segment.blocks.map((block) => el("span", {
        class: block.state === "active_allocated" ? "live" : "cached",
        style: `width:${(100 * block.size) / segment.total_size}%`,
        title: `${block.state === "active_allocated" ? "live" : "cached"} block, ${block.size.toLocaleString("en")} bytes` })))));
}

async function refreshAudit(container) {
  const page = await api("GET", "/api/system/audit?limit=25");
  const reserved = (list) => (list || []).map((device) => `${device.device} ${bytes(device.reserved_bytes)}`).join(", ");
  fill(container, el("div", { class: "table-wrap" }, el("table", {},
    el("thead", {}, el("tr", {}, ["Time", "Who", "Action", "Result", "Reserved before → after", "Detail"].map((name) => el("th", {}, name)))),
    el("tbody", {}, page.items.map((entry) => el("tr", { dataset: { action: entry.action } },
      el("td", { class: "num" }, when(entry.time)),
      el("td", {}, entry.actor),
      el("td", {}, entry.action),
      el("td", { class: entry.result === "ok" ? "" : "error" }, entry.result),
      el("td", { class: "num" }, entry.memory_before ? `${reserved(entry.memory_before)} → ${reserved(entry.memory_after)}` : ""),
      el("td", {}, entry.detail || entry.parameters || "")))))));
}
