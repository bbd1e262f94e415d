// Recognize: one file (dropped, chosen or recorded), live progress, the segments, downloads.
import { api, dropZone, downloads, el, fill, follow, formats, modelOptions, seconds } from "../lib.js";

export async function render(main) {
  const input = el("input", { type: "file", id: "recognize-file", accept: "audio/*,video/*", "aria-label": "Audio file" });
  const model = el("select", { id: "recognize-model" });
  const device = el("select", { id: "recognize-device" });
  const language = el("input", { type: "text", id: "recognize-language", placeholder: "auto", size: 6 });
  const task = el("select", { id: "recognize-task" }, el("option", { value: "transcribe" }, "transcribe"),
    el("option", { value: "translate" }, "translate to English"));
  const hotwords = el("input", { type: "text", id: "recognize-hotwords", placeholder: "names, jargon", size: 18 });
  const words = el("input", { type: "checkbox", id: "recognize-words" });
  const vad = el("input", { type: "checkbox", id: "recognize-vad", title: "Find the speech first (Silero VAD) and transcribe only that" });
  const format = el("select", { id: "recognize-format" }, formats.map((name) => el("option", { value: name }, name)));
  const start = el("button", { id: "recognize-start", type: "submit", disabled: true }, "Transcribe");
  const cancel = el("button", { id: "recognize-cancel", type: "button", class: "danger", hidden: true }, "Cancel");
  const status = el("p", { id: "recognize-status", class: "muted", "aria-live": "polite" });
  const bar = el("progress", { id: "recognize-progress", max: 1, value: 0, hidden: true, "aria-label": "Progress" });
  const result = el("div", { id: "recognize-result" });
  let recorded = null;

  input.addEventListener("change", () => {
    recorded = null;
    start.disabled = input.files.length === 0;
    status.textContent = input.files[0] ? `${input.files[0].name} is ready.` : "";
  });

  const form = el("form", {},
    dropZone(input, "Drop an audio file here, or choose one."),
    recorder((blob) => {
      recorded = blob;
      start.disabled = false;
      status.textContent = `Recording ready (${(blob.size / 1024).toFixed(0)} KiB).`;
    }),
    el("div", { class: "fields" },
      el("div", {}, el("label", { for: "recognize-model" }, "Model"), model),
      el("div", {}, el("label", { for: "recognize-device" }, "Device"), device),
      el("div", {}, el("label", { for: "recognize-language" }, "Language"), language),
      el("div", {}, el("label", { for: "recognize-task" }, "Task"), task),
      el("div", {}, el("label", { for: "recognize-hotwords" }, "Hotwords"), hotwords),
      el("div", {}, el("label", { for: "recognize-words" }, "Word timestamps"), words),
      el("div", {}, el("label", { for: "recognize-vad" }, "Skip silence"), vad),
      el("div", {}, el("label", { for: "recognize-format" }, "Download as"), format)),
    el("div", { class: "row" }, start, cancel), status, bar);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = recorded || input.files[0];
    if (!file) return;
    const body = new FormData();
    body.append("file", file, recorded ? "recording.webm" : file.name);
    body.append("model", model.value);
    if (device.value) body.append("device", device.value);
    if (language.value.trim()) body.append("language", language.value.trim());
    body.append("task", task.value);
    if (hotwords.value.trim()) body.append("hotwords", hotwords.value.trim());
    if (words.checked) body.append("word_timestamps", "true");
    if (vad.checked) body.append("vad_filter", "true");
    body.append("wait", "false");
    start.disabled = true;
    fill(result);
    bar.hidden = false;
    bar.value = 0;
    status.textContent = "Uploading…";
    try {
      const accepted = await api("POST", "/api/transcriptions", body);
      cancel.hidden = false;
      cancel.onclick = () => api("DELETE", `/api/jobs/${accepted.id}`).catch(() => {});
      const job = await follow(`/api/jobs/${accepted.id}`, (job) => {
        bar.value = job.progress ?? 0;
        status.textContent = job.state === "queued" ? "Waiting for the worker…"
          : job.state === "running" ? `Transcribing: ${seconds(job.processed_seconds)} of ${seconds(job.total_seconds)}`
          : "";
        return ["done", "failed", "cancelled"].includes(job.state);
      });
      if (job.state === "failed") throw new Error(job.error);
      if (job.state === "cancelled") { status.textContent = "Cancelled."; return; }
      status.textContent = `Done: ${seconds(job.transcript.duration)} of audio in ${(job.processing_ms / 1000).toFixed(1)} s.`;
      showResult(result, job, format.value);
    } catch (error) {
      status.textContent = "";
      fill(result, el("p", { class: "error", role: "alert" }, error.message));
    } finally {
      start.disabled = false;
      bar.hidden = true;
      cancel.hidden = true;
    }
  });

  main.append(el("h1", {}, "Recognize"), el("section", { class: "card" }, form),
    live(() => ({ model: model.value, device: device.value, language: language.value.trim(), task: task.value, hotwords: hotwords.value.trim() })),
    result);
  modelOptions(model, device).catch((error) => { status.textContent = error.message; });
}

/** The transcript: text, segments with their times, downloads. */
export function showResult(container, job, preferred) {
  const transcript = job.transcript;
  fill(container, el("section", { class: "card" },
    el("h2", {}, job.file_name),
    el("p", { class: "row" }, el("a", { id: "result-download", href: `/api/history/${job.id}?format=${preferred || "txt"}`, download: "" },
      `Download ${preferred || "txt"}`), el("span", { class: "muted" }, "or"), downloads(job.id)),
    el("pre", { class: "transcript", id: "result-text" }, transcript.text.trim()),
    el("div", { class: "table-wrap" }, el("table", { id: "result-segments" },
      el("thead", {}, el("tr", {}, el("th", {}, "From"), el("th", {}, "To"), el("th", {}, "Text"))),
      el("tbody", {}, transcript.segments.map((segment) => el("tr", {},
        el("td", { class: "num" }, seconds(segment.start)), el("td", { class: "num" }, seconds(segment.end)),
        el("td", {}, segment.words ? timedWords(segment.words) : segment.text.trim()))))))));
}

/** A segment's words, each with its time on hover. */
function timedWords(words) {
  return words.map((word) => el("span", { class: "word", title: `${seconds(word.start)} – ${seconds(word.end)}` }, word.word));
}

/** A record button, where the browser can record (a secure context with a microphone). */
function recorder(onRecorded) {
  if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") {
    return el("p", { class: "muted" }, "Recording from the microphone is not available in this browser or on this connection.");
  }
  let media = null, chunks = [];
  const button = el("button", { type: "button", class: "secondary", id: "recognize-record" }, "Record from microphone");
  button.addEventListener("click", async () => {
    if (media) { media.stop(); return; }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      media = new MediaRecorder(stream);
      chunks = [];
      media.ondataavailable = (event) => chunks.push(event.data);
      media.onstop = () => {
        stream.getTracks().forEach((track) => track.stop());
        onRecorded(new Blob(chunks, { type: media.mimeType }));
        media = null;
        button.textContent = "Record from microphone";
      };
      media.start();
      button.textContent = "Stop recording";
    } catch (error) {
      button.replaceWith(el("p", { class: "error" }, `The microphone is not available: ${error.message}`));
    }
  });
  return el("p", { class: "row" }, button);
}

/**
 * Live recognition: the microphone streams to /api/stream (a WebSocket) as 32-bit floats at the
 * audio device's rate; partial text shows as it is heard (greyed), finals replace it and stay.
 */
function live(settings) {
  const output = el("div", { id: "live-text", class: "transcript live", "aria-live": "polite" });
  const status = el("p", { id: "live-status", class: "muted" });
  const card = el("section", { class: "card" }, el("h2", {}, "Live"), status, output);
  if (!navigator.mediaDevices?.getUserMedia || typeof WebSocket === "undefined") {
    status.textContent = "Live recognition needs the microphone, which this browser or connection does not offer.";
    return card;
  }
  const button = el("button", { type: "button", id: "live-start" }, "Start live recognition");
  card.insertBefore(el("p", { class: "row" }, button), status);
  let session = null;
  const partial = el("span", { class: "partial muted" });

  async function start() {
    const microphone = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true } });
    const context = new AudioContext();
    const source = context.createMediaStreamSource(microphone);
    // ScriptProcessor: deprecated, but everywhere, and needs no worklet file for 4096-sample blocks.
    const tap = context.createScriptProcessor(4096, 1, 1);
    const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/stream`);
    socket.binaryType = "arraybuffer";
    session = { microphone, context, socket, tap };
    fill(output, partial);
    partial.textContent = "";
    socket.onopen = () => {
      const chosen = settings();
      const start = { type: "start", sample_rate: context.sampleRate, encoding: "pcm_f32le", model: chosen.model, task: chosen.task };
      if (chosen.device) start.device = chosen.device;
      if (chosen.language) start.language = chosen.language;
      if (chosen.hotwords) start.hotwords = chosen.hotwords;
      socket.send(JSON.stringify(start));
      tap.onaudioprocess = (event) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(new Float32Array(event.inputBuffer.getChannelData(0)).buffer);
      };
      source.connect(tap);
      tap.connect(context.destination);
      status.textContent = "Listening…";
      button.textContent = "Stop";
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "partial") partial.textContent = message.text;
      if (message.type === "final") {
        output.insertBefore(el("span", { class: "final", title: `${seconds(message.segment.start)} – ${seconds(message.segment.end)}` },
          message.segment.text), partial);
        partial.textContent = "";
      }
      if (message.type === "done") status.textContent = `Done: ${seconds(message.duration)} of audio, kept in History.`;
      if (message.type === "error") status.textContent = message.message;
    };
    socket.onclose = () => { stopAudio(); button.textContent = "Start live recognition"; session = null; };
  }

  function stopAudio() {
    if (!session) return;
    session.tap.onaudioprocess = null;
    session.microphone.getTracks().forEach((track) => track.stop());
    session.context.close();
  }

  button.addEventListener("click", async () => {
    if (session) {
      stopAudio();
      if (session.socket.readyState === WebSocket.OPEN) session.socket.send(JSON.stringify({ type: "stop" }));
      status.textContent = "Finishing…";
      return;
    }
    try {
      await start();
    } catch (error) {
      status.textContent = `The microphone is not available: ${error.message}`;
    }
  });
  return card;
}
