// MovieFactory studio page: vanilla JS, no build step, no outside requests.
// Every piece of user or movie text reaches the DOM through textContent / element properties, never innerHTML.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  options: { aspects: [], shots: [], cameras: [], moods: [], writers: [], pictures: [], defaults: {} },
  movies: new Map(),      // slug -> movie info from /api/movies
  jobStates: new Map(),   // job id -> last seen state (to notice when a job finishes)
  jobNodes: new Map(),    // job id -> its <li>, updated in place so progress bars animate smoothly
  slug: null,             // the movie open in the movie view
  info: null,             // its info from /api/movies/<slug>
  script: null,           // the working copy of its script (edits go here, Save sends it)
  dirty: false,           // unsaved edits
  videoVersion: null,     // the cut the player shows (movie.mp4 sha prefix)
  dragId: null,           // the scene card being dragged
  pollTimer: null,
  polling: false,
  pollAgain: false,
};

// -- helpers ---------------------------------------------------------------------------------------------
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (["value", "checked", "disabled", "muted", "loop"].includes(key)) node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);  // strings become text nodes
  }
  return node;
}

async function api(method, path, body) {
  const opts = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  let data = null;
  try { data = await res.json(); } catch (_) { data = null; }
  if (!res.ok) throw new Error((data && data.error) || `${res.status} ${res.statusText}`);
  return data;
}

const movieBase = (slug) => `/api/movies/${encodeURIComponent(slug)}`;
const movieUrl = (slug, file) => `${movieBase(slug)}/${file}`;

function fmtSeconds(s) {
  if (s === null || s === undefined || Number.isNaN(s)) return "–";
  s = Math.round(s);
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s` : `${s} s`;
}

function badge(text) {
  return el("span", { class: `badge ${text}`, text });
}

// -- jobs ------------------------------------------------------------------------------------------------
function jobTitle(job) {
  if (job.kind === "make") return job.params.text || "";
  if (job.kind === "library") return `Index sound ${job.params.file}`;
  const movie = state.movies.get(job.slug);
  const scenes = job.params.scenes || [];
  return `Render ${movie ? movie.title : job.slug}` + (scenes.length ? ` (scene ${scenes.join(", ")})` : "");
}

function ordinal(n) {
  return n === 1 ? "next in line" : `number ${n} in line`;
}

function jobStage(job) {
  const p = job.progress || {};
  if (job.state === "queued") {
    let text = job.position ? `queued · ${ordinal(job.position)}` : "queued";
    if (job.eta_s !== null && job.eta_s !== undefined) text += ` · done in about ${fmtSeconds(job.eta_s)}`;
    if (job.resumed) text += ` · will resume (attempt ${job.attempts + 1})`;
    return text;
  }
  if (job.state === "done" && job.kind === "library") return "indexed: movies can use it now";
  if (job.state === "done") {
    const r = job.result || {};
    const redone = (r.rendered || []).length;
    const what = redone ? `done in ${fmtSeconds(job.finished - job.started)}`
      : "nothing to redo: the existing movie is current";
    return what + (r.duration_s ? ` · ${fmtSeconds(r.duration_s)} movie` : "");
  }
  if (job.state === "failed") return job.started ? `failed after ${fmtSeconds(job.finished - job.started)}` : "failed";
  if (job.state === "cancelled") return "cancelled";
  const task = p.stage && p.tasks ? p.tasks[p.stage] : null;
  let text = job.cancel_requested ? "cancelling" : (p.label || "starting");
  if (task && task.total > 1) text += ` · ${Math.round(task.completed)}/${Math.round(task.total)}`;
  if (job.started) text += ` · ${fmtSeconds(Date.now() / 1000 - job.started)}`;
  if (job.resumed) text += ` · resumed after restart (attempt ${job.attempts})`;
  const notes = p.notes || [];
  if (notes.length) text += ` · ${notes[notes.length - 1]}`;
  return text;
}

async function cancelJob(job) {
  try {
    await api("POST", `/api/jobs/${job.id}/cancel`);
  } catch (err) {
    $("server-note").textContent = err.message;
  }
  await pollJobs();
}

function fillJob(li, job) {
  li.className = `job ${job.state}`;
  li.dataset.jobId = String(job.id);
  const what = li.querySelector(".what");
  what.replaceChildren();
  const linkable = job.slug && (job.state !== "queued" || job.kind === "render") && job.state !== "cancelled";
  if (linkable) what.append(el("a", { href: `#/movie/${encodeURIComponent(job.slug)}`, text: jobTitle(job) }));
  else what.textContent = jobTitle(job);
  what.title = jobTitle(job);
  li.querySelector(".state").replaceChildren(badge(job.state));
  const p = job.progress || {};
  const fraction = job.state === "done" ? 1 : p.fraction || 0;
  const bar = li.querySelector(".bar");
  // before the first measured step (starting, writing the script) the bar moves without claiming a number
  bar.classList.toggle("busy", job.state === "running" && fraction < 0.02);
  bar.firstChild.style.width = `${Math.round(fraction * 100)}%`;
  bar.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
  li.querySelector(".stage").textContent = jobStage(job);
  li.querySelector(".err").textContent = job.error || "";
  li.querySelector(".err").hidden = !job.error;
  const cancel = li.querySelector("button.cancel");
  cancel.hidden = !(job.state === "queued" || job.state === "running") || job.cancel_requested;
  cancel.onclick = () => cancelJob(job);
  const forget = li.querySelector("button.forget");
  forget.hidden = job.state === "queued" || job.state === "running";
  forget.onclick = async () => {
    try { await api("DELETE", `/api/jobs/${job.id}`); } catch (err) { $("server-note").textContent = err.message; }
    state.jobNodes.delete(job.id);
    await pollJobs();
  };
}

function jobNode(job) {
  let li = state.jobNodes.get(job.id);
  if (!li) {
    li = el("li", { class: "job" },
      el("div", { class: "line" }, el("span", { class: "what" }), el("span", { class: "state" })),
      el("div", { class: "bar", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100 }, el("div")),
      el("div", { class: "line" }, el("div", { class: "stage" }),
        el("button", { type: "button", class: "small cancel", text: "Cancel" }),
        el("button", { type: "button", class: "small forget", text: "Remove", title: "remove from the list (the movie stays)" })),
      el("div", { class: "err" }));
    state.jobNodes.set(job.id, li);
  }
  fillJob(li, job);
  return li;
}

function renderJobs(jobs) {
  $("jobs").replaceChildren(...jobs.map(jobNode));
  $("jobs-empty").hidden = jobs.length > 0;
}

async function pollJobs() {
  if (state.polling) { state.pollAgain = true; return; }  // one poll loop, however many callers
  state.polling = true;
  clearTimeout(state.pollTimer);
  let active = false;
  try {
    const { jobs } = await api("GET", "/api/jobs?limit=20");
    active = jobs.some((j) => j.state === "queued" || j.state === "running");
    const changed = new Set();
    for (const job of jobs) {
      const before = state.jobStates.get(job.id);
      if (before !== job.state) changed.add(job.slug);
      state.jobStates.set(job.id, job.state);
    }
    renderJobs(jobs);
    $("server-note").textContent = "";
    if (changed.size) await loadMovies();
    if (state.slug && (changed.has(state.slug) || jobs.some((j) => j.slug === state.slug && j.state === "running"))) {
      await refreshMovie(false, changed.has(state.slug));
    }
  } catch (err) {
    $("server-note").textContent = `server unreachable (${err.message}); retrying`;
  }
  state.polling = false;
  if (state.pollAgain) {
    state.pollAgain = false;
    await pollJobs();
    return;
  }
  state.pollTimer = setTimeout(pollJobs, active ? 1000 : 4000);
}

// -- the make form ---------------------------------------------------------------------------------------
async function submitMake(event) {
  event.preventDefault();
  const button = $("make-button");
  const scenes = $("make-scenes").value.trim();
  const d = state.options.defaults || {};
  const body = {
    text: $("make-text").value,
    seed: Number($("make-seed").value || 0),
    scenes: scenes ? Number(scenes) : null,
    aspect: $("make-aspect").value || null,
  };
  // only what differs from the server's settings, so the folder's recorded settings stay comparable
  if ($("make-writer").value && $("make-writer").value !== d.writer) body.writer = $("make-writer").value;
  if ($("make-picture").value && $("make-picture").value !== d.picture) body.picture = $("make-picture").value;
  if ($("make-model").value.trim()) body.model = $("make-model").value.trim();
  if ($("make-upscale").value.trim()) body.upscale = $("make-upscale").value.trim();
  if ($("make-narration").checked !== Boolean(d.narration)) body.narration = $("make-narration").checked;
  if ($("make-burn").checked !== Boolean(d.burn_subtitles)) body.burn_subtitles = $("make-burn").checked;
  button.disabled = true;
  $("make-error").textContent = "";
  $("make-status").textContent = "";
  try {
    const job = await api("POST", "/api/movies", body);
    const existing = state.movies.get(job.slug);
    const version = job.slug.match(/-v(\d+)$/);
    $("make-status").textContent = version && !existing
      ? `other settings than the earlier movie: making version ${version[1]} (job ${job.id})`
      : existing ? `resuming the existing movie (job ${job.id})` : `queued (job ${job.id})`;
    await pollJobs();
  } catch (err) {
    $("make-error").textContent = err.message;
  } finally {
    button.disabled = false;
  }
}

// -- the user's sounds ----------------------------------------------------------------------------------
async function loadSounds() {
  const { sounds } = await api("GET", "/api/library");
  $("sounds").replaceChildren(...sounds.map((x) => el("li", { text: `${x.title || x.file} · ${x.kind}` })));
  // the movie's music line: an upload's own words rank it first in the library's music search
  $("music-choices").replaceChildren(...sounds.filter((x) => x.kind === "music" && (x.description || x.title))
    .map((x) => el("option", { value: x.description || x.title, label: x.title || x.file })));
}

async function submitUpload(event) {
  event.preventDefault();
  const file = $("upload-file").files[0];
  if (!file) return;
  const q = new URLSearchParams({ title: $("upload-title").value, description: $("upload-description").value });
  const url = `/api/library/${encodeURIComponent($("upload-kind").value)}/${encodeURIComponent(file.name)}?${q}`;
  $("upload-button").disabled = true;
  $("upload-status").textContent = `uploading ${file.name}…`;
  try {
    const res = await fetch(url, { method: "PUT", body: file, credentials: "same-origin", headers: { Accept: "application/json" } });
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new Error((data && data.error) || `${res.status} ${res.statusText}`);
    $("upload-status").textContent = `uploaded; indexing it (job ${data.id}). Movies whose music or sound lines match find it.`;
    $("upload-form").reset();
    await loadSounds();
    await pollJobs();
  } catch (err) {
    $("upload-status").textContent = err.message;
  } finally {
    $("upload-button").disabled = false;
  }
}

// -- the movie list --------------------------------------------------------------------------------------
async function loadMovies() {
  const { movies } = await api("GET", "/api/movies");
  state.movies = new Map(movies.map((m) => [m.slug, m]));
  $("movies").replaceChildren(...movies.map((m) =>
    el("a", { class: "movie-card", href: `#/movie/${encodeURIComponent(m.slug)}`, "data-slug": m.slug },
      m.has_movie
        ? el("img", { class: "poster", alt: "", loading: "lazy", src: `${movieUrl(m.slug, "poster.jpg")}?v=${encodeURIComponent(m.version)}` })
        : el("div", { class: "poster empty", text: m.state === "running" || m.state === "queued" ? "rendering…" : "no movie yet" }),
      el("div", { class: "title", text: m.title }),
      el("div", { class: "req", text: m.request }),
      el("div", { class: "foot" },
        el("span", { class: "muted", text: `${m.scenes} scenes · ${fmtSeconds(m.duration_s)}` }),
        badge(m.state)))));
  $("movies-empty").hidden = movies.length > 0;
}

// -- the movie view --------------------------------------------------------------------------------------
function renderPlayer(info) {
  const box = $("player-box");
  if (!info.has_movie) {
    state.videoVersion = null;
    const waiting = info.state === "running" || info.state === "queued";
    box.replaceChildren(el("div", { class: "placeholder",
      text: waiting ? "Rendering… the movie appears here when the job finishes." : "No movie yet: press Render movie." }));
    return;
  }
  if (state.videoVersion === info.version && box.querySelector("video")) return;  // same cut: keep playing
  state.videoVersion = info.version;
  const v = encodeURIComponent(info.version || "");
  const video = el("video", { id: "player", controls: true, preload: "metadata", playsinline: true,
    poster: `${movieUrl(info.slug, "poster.jpg")}?v=${v}`, src: `${movieUrl(info.slug, "movie.mp4")}?v=${v}` });
  if (info.files["movie.vtt"] || info.files["movie.srt"]) {
    video.append(el("track", { kind: "subtitles", label: "Subtitles", srclang: "en", default: true,
      src: `${movieUrl(info.slug, "movie.vtt")}?v=${v}` }));
  }
  box.replaceChildren(video);
}

function renderMovieJob(info) {
  const box = $("movie-job");
  const job = info.job;
  if (!job || (job.state !== "queued" && job.state !== "running" && Date.now() / 1000 - (job.finished || 0) > 600)) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.className = `movie-job ${job.state}`;
  const label = job.kind === "render" && (job.params.scenes || []).length
    ? `Re-render of scene ${job.params.scenes.join(", ")}` : job.kind === "render" ? "Render" : "Make";
  const parts = [badge(job.state), el("span", { text: `${label} (job ${job.id}): ${jobStage(job)}` })];
  if (job.error) parts.push(el("span", { class: "err", text: job.error }));
  if ((job.state === "queued" || job.state === "running") && !job.cancel_requested) {
    parts.push(el("button", { type: "button", class: "small cancel", text: "Cancel", onclick: () => cancelJob(job) }));
  }
  box.replaceChildren(...parts);
}

function renderInfo(info) {
  state.info = info;
  $("movie-title").textContent = info.title;
  $("movie-logline").textContent = info.logline || info.request;
  const s = info.settings || {};
  $("movie-meta").replaceChildren(...[
    badge(info.state),
    el("span", { text: `${info.scenes} scenes` }),
    el("span", { text: fmtSeconds(info.duration_s) }),
    el("span", { text: `seed ${info.seed}` }),
    s.aspect ? el("span", { text: s.aspect }) : null,
    s.picture ? el("span", { text: s.picture }) : null,
    el("span", { class: "muted", text: info.slug })].filter(Boolean));
  const links = [];
  if (info.files["report.html"]) {
    links.push(el("a", { href: movieUrl(info.slug, "report.html"), target: "_blank", rel: "noopener", text: "Quality report" }));
  }
  if (info.has_movie) links.push(el("a", { href: movieUrl(info.slug, "movie.mp4"), download: "", text: "Download MP4" }));
  if (info.files["movie.srt"]) links.push(el("a", { href: movieUrl(info.slug, "movie.srt"), download: "", text: "Subtitles (SRT)" }));
  links.push(el("button", { type: "button", class: "small danger", id: "delete-movie", text: "Delete movie", onclick: deleteMovie }));
  $("movie-links").replaceChildren(...links);
  $("movie-warnings").replaceChildren(...(info.warnings || []).map((w) => el("li", { text: w })));
  if (info.script_error) $("script-error").textContent = info.script_error;
  renderMovieJob(info);
  renderPlayer(info);
}

async function deleteMovie() {
  const info = state.info;
  if (!info || !window.confirm(`Delete “${info.title}” and every file in its folder? This cannot be undone.`)) return;
  try {
    await api("DELETE", movieBase(info.slug));
  } catch (err) {
    $("script-error").textContent = err.message;
    return;
  }
  state.dirty = false;
  location.hash = "#/";
}

// -- the storyboard (edits change state.script; Save sends it) -------------------------------------------
function choice(values, current, onChange, label) {
  const all = values.includes(current) ? values : [current, ...values];
  return el("select", { onchange: onChange, "aria-label": label },
    ...all.map((v) => el("option", { value: v, text: v, selected: v === current })));
}

function edited() {
  setDirty(true);
}

function field(scene, key, label, node) {
  node.name = key;
  node.addEventListener(node.tagName === "SELECT" ? "change" : "input", () => {
    scene[key] = key === "duration_s" ? (node.value.trim() === "" || Number.isNaN(Number(node.value)) ? node.value : Number(node.value))
      : node.value;  // the server names a bad value
    edited();
  });
  return el("label", { class: `f f-${key}` }, label, node);
}

function nextSceneId() {
  const used = new Set(state.script.scenes.map((s) => s.id));
  for (let n = state.script.scenes.length + 1; ; n++) {
    const id = `s${String(n).padStart(2, "0")}`;
    if (!used.has(id)) return id;
  }
}

function moveScene(id, to) {
  const scenes = state.script.scenes;
  const from = scenes.findIndex((s) => s.id === id);
  if (from < 0 || to < 0 || to >= scenes.length || to === from) return;
  const [scene] = scenes.splice(from, 1);
  scenes.splice(to, 0, scene);
  edited();
  renderScript();
  const card = document.querySelector(`.scene-card[data-id="${id}"] .move-up`);
  if (card) card.focus();
}

function thumbFor(scene) {
  const slug = state.slug;
  const clipVersion = state.info && state.info.clips ? state.info.clips[scene.id] : null;
  if (!clipVersion) return el("div", { class: "thumb empty", text: "not rendered yet" });
  const v = encodeURIComponent(clipVersion);
  const thumb = el("video", { class: "thumb", muted: true, loop: true, playsinline: true, preload: "none", tabindex: 0,
    "aria-label": `clip of scene ${scene.id} (plays while pointed at)`, "data-version": clipVersion,
    poster: `${movieUrl(slug, `scenes/${scene.id}/thumb.jpg`)}?v=${v}`,
    src: `${movieUrl(slug, `scenes/${scene.id}/clip.mp4`)}?v=${v}` });
  const play = () => { thumb.play().catch(() => {}); };
  const stop = () => { thumb.pause(); };
  thumb.addEventListener("mouseenter", play);
  thumb.addEventListener("focus", play);
  thumb.addEventListener("mouseleave", stop);
  thumb.addEventListener("blur", stop);
  return thumb;
}

function updateThumbs() {
  // new clips replace only their thumbnails: a person typing in a card keeps the focus and the text
  for (const scene of state.script.scenes) {
    const card = document.querySelector(`.scene-card[data-id="${CSS.escape(scene.id)}"]`);
    const old = card && card.querySelector(".thumb");
    const version = state.info && state.info.clips ? state.info.clips[scene.id] || "" : "";
    if (old && (old.dataset.version || "") !== version) old.replaceWith(thumbFor(scene));
  }
}

function sceneCard(scene, i) {
  const thumb = thumbFor(scene);
  const chars = state.script.characters || [];
  const prompt = el("textarea", { rows: 3, maxlength: 1000, value: scene.prompt });
  const card = el("li", { class: "scene-card", "data-id": scene.id, draggable: "true" },
    el("div", { class: "card-head" },
      el("span", { class: "handle", title: "drag to reorder", "aria-hidden": "true", text: "⠿" }),
      el("span", { class: "num", text: `${i + 1} · ${scene.id}` }),
      el("span", { class: "tools" },
        el("button", { type: "button", class: "small move-up", title: "move earlier", "aria-label": `move scene ${scene.id} earlier`,
          text: "↑", disabled: i === 0, onclick: () => moveScene(scene.id, i - 1) }),
        el("button", { type: "button", class: "small move-down", title: "move later", "aria-label": `move scene ${scene.id} later`,
          text: "↓", disabled: i === state.script.scenes.length - 1, onclick: () => moveScene(scene.id, i + 1) }),
        el("button", { type: "button", class: "small dup", text: "Duplicate", onclick: () => {
          const copy = structuredClone(scene);
          copy.id = nextSceneId();
          state.script.scenes.splice(i + 1, 0, copy);
          edited();
          renderScript();
        } }),
        el("button", { type: "button", class: "small danger del", text: "Delete", disabled: state.script.scenes.length <= 1,
          onclick: () => { state.script.scenes.splice(i, 1); edited(); renderScript(); } }))),
    thumb,
    field(scene, "prompt", "Prompt", prompt),
    el("div", { class: "row3" },
      field(scene, "duration_s", "Seconds", el("input", { type: "number", min: 0.5, max: 30, step: 0.1, value: String(scene.duration_s) })),
      field(scene, "shot", "Shot", choice(state.options.shots, scene.shot, null, "shot")),
      field(scene, "camera", "Camera", choice(state.options.cameras, scene.camera, null, "camera"))),
    field(scene, "sound", "Sound", el("input", { type: "text", maxlength: 200, value: scene.sound })),
    field(scene, "narration", "Narration", el("textarea", { rows: 2, maxlength: 500, value: scene.narration })),
    field(scene, "subtitle", "Subtitle", el("input", { type: "text", maxlength: 300, value: scene.subtitle })),
    chars.length ? el("fieldset", { class: "subjects" }, el("legend", { text: "In this scene" }),
      ...chars.map((c) => el("label", { class: "check" },
        el("input", { type: "checkbox", checked: scene.subjects.includes(c.id), onchange: (e) => {
          scene.subjects = e.target.checked ? [...scene.subjects, c.id] : scene.subjects.filter((x) => x !== c.id);
          edited();
        } }), c.name))) : null,
    el("button", { type: "button", class: "small rerender", title: "Save, then render this scene again",
      text: "Re-render scene", onclick: () => renderScenes([scene.id]) }));
  card.addEventListener("dragstart", (e) => {
    state.dragId = scene.id;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", scene.id);
    card.classList.add("dragging");
  });
  card.addEventListener("dragend", () => { card.classList.remove("dragging"); state.dragId = null; });
  card.addEventListener("dragover", (e) => { if (state.dragId && state.dragId !== scene.id) { e.preventDefault(); card.classList.add("drop"); } });
  card.addEventListener("dragleave", () => card.classList.remove("drop"));
  card.addEventListener("drop", (e) => {
    e.preventDefault();
    card.classList.remove("drop");
    const id = state.dragId || e.dataTransfer.getData("text/plain");
    if (id && id !== scene.id) moveScene(id, state.script.scenes.findIndex((s) => s.id === scene.id));
  });
  return card;
}

function characterRow(c, i) {
  const set = (key) => (e) => { c[key] = e.target.value; edited(); if (key === "name") renderScript(false); };
  return el("li", { class: "character", "data-id": c.id },
    el("label", {}, "Name", el("input", { type: "text", maxlength: 80, value: c.name, oninput: set("name") })),
    el("label", { class: "grow" }, "Description", el("input", { type: "text", maxlength: 300, value: c.description, oninput: set("description") })),
    el("label", {}, "Colour", el("input", { type: "color", value: c.color || "#888888", oninput: set("color") })),
    el("button", { type: "button", class: "small danger", text: "Remove", onclick: () => {
      state.script.characters.splice(i, 1);
      for (const s of state.script.scenes) s.subjects = s.subjects.filter((x) => x !== c.id);
      edited();
      renderScript();
    } }));
}

function addCharacter() {
  const used = new Set(state.script.characters.map((c) => c.id));
  let n = state.script.characters.length + 1;
  while (used.has(`c${n}`)) n++;
  state.script.characters.push({ id: `c${n}`, name: `character ${n}`, description: "", kind: "", color: "" });
  edited();
  renderScript();
}

function addScene() {
  const last = state.script.scenes[state.script.scenes.length - 1] || {};
  state.script.scenes.push({ id: nextSceneId(), prompt: "", duration_s: 3, shot: "medium", camera: "static",
    subjects: [], setting: last.setting || "", time_of_day: last.time_of_day || "day", weather: last.weather || "clear",
    action: "", sound: "", narration: "", subtitle: "", transition_in: "crossfade", transition_s: 0.5,
    seed: (last.seed || 0) + 1 });
  edited();
  renderScript();
  const cards = document.querySelectorAll("#storyboard .scene-card textarea[name=prompt]");
  if (cards.length) cards[cards.length - 1].focus();
}

function renderScript(withStory = true) {
  const board = $("storyboard");
  const script = state.script;
  $("add-scene").disabled = !script;
  if (!script) { board.replaceChildren(); $("characters").replaceChildren(); return; }
  board.replaceChildren(...script.scenes.map(sceneCard));
  if (withStory) {
    $("characters").replaceChildren(...script.characters.map(characterRow));
    const mood = $("tone-mood");
    mood.replaceChildren(...(state.options.moods || []).map((m) => el("option", { value: m, text: m, selected: m === script.tone.mood })));
    $("tone-music").value = script.tone.music_query || "";
  }
}

function setDirty(dirty) {
  state.dirty = dirty;
  $("save-button").disabled = !dirty;
  $("script-status").textContent = dirty ? "unsaved changes" : "";
}

async function saveScript() {
  $("script-error").textContent = "";
  const slug = state.slug;
  try {
    await api("PUT", movieUrl(slug, "script"), JSON.stringify(state.script));
  } catch (err) {
    $("script-error").textContent = err.message;
    return false;
  }
  if (slug !== state.slug) return true;
  state.script = await api("GET", movieUrl(slug, "script"));
  renderScript();
  setDirty(false);
  $("script-status").textContent = "saved";
  return true;
}

async function renderScenes(sceneIds) {
  if (state.dirty && !(await saveScript())) return;
  $("script-error").textContent = "";
  try {
    await api("POST", movieUrl(state.slug, "render"), { scenes: sceneIds });
    await refreshMovie(false);  // the job line under the title says what is queued, for as long as it runs
    await pollJobs();
  } catch (err) {
    $("script-error").textContent = err.message;
  }
}

async function refreshMovie(reloadScript, clipsChanged = false) {
  const slug = state.slug;
  const info = await api("GET", movieBase(slug));
  if (slug !== state.slug) return;
  const oldClips = JSON.stringify((state.info && state.info.clips) || {});
  renderInfo(info);
  if (reloadScript || (!state.dirty && clipsChanged)) {
    try {
      state.script = await api("GET", movieUrl(slug, "script"));
      if (slug === state.slug) { renderScript(); setDirty(false); }
    } catch (err) {
      $("script-error").textContent = err.message;
      state.script = null;
      renderScript();
    }
  } else if (state.script && JSON.stringify(info.clips || {}) !== oldClips) {
    updateThumbs();
  }
}

async function openMovie(slug) {
  if (state.slug !== slug) {
    state.slug = slug;
    state.info = null;
    state.script = null;
    state.videoVersion = null;
    $("player-box").replaceChildren();
    $("script-error").textContent = "";
    renderScript();
    setDirty(false);
  }
  $("view-list").hidden = true;
  $("view-movie").hidden = false;
  try {
    await refreshMovie(true);
  } catch (err) {
    $("movie-title").textContent = "Movie not found";
    $("movie-logline").textContent = err.message;
  }
}

// -- routing and start-up --------------------------------------------------------------------------------
function route() {
  const match = location.hash.match(/^#\/movie\/(.+)$/);
  if (match) {
    openMovie(decodeURIComponent(match[1]));
    return;
  }
  state.slug = null;
  state.info = null;
  setDirty(false);
  $("view-movie").hidden = true;
  $("view-list").hidden = false;
  loadMovies().catch((err) => { $("server-note").textContent = err.message; });
}

function fillSelect(id, values, current) {
  $(id).replaceChildren(...values.map((v) => el("option", { value: v, text: v, selected: v === current })));
}

async function start() {
  if (new URLSearchParams(location.search).has("token")) {
    history.replaceState(null, "", location.pathname + location.hash);  // the cookie holds it now
  }
  try {
    state.options = await api("GET", "/api/options");
  } catch (err) {
    $("server-note").textContent = `server unreachable (${err.message})`;
  }
  const d = state.options.defaults || {};
  fillSelect("make-aspect", state.options.aspects || [], d.aspect);
  fillSelect("make-writer", state.options.writers || [], d.writer);
  fillSelect("make-picture", state.options.pictures || [], d.picture);
  $("make-narration").checked = Boolean(d.narration);
  $("make-burn").checked = Boolean(d.burn_subtitles);
  if (d.scenes) $("make-scenes").placeholder = `auto (${d.scenes})`;
  $("make-form").addEventListener("submit", submitMake);
  $("upload-form").addEventListener("submit", submitUpload);
  loadSounds().catch(() => {});
  $("save-button").addEventListener("click", saveScript);
  $("render-button").addEventListener("click", () => renderScenes([]));
  $("add-scene").addEventListener("click", addScene);
  $("add-character").addEventListener("click", addCharacter);
  $("tone-mood").addEventListener("change", (e) => { state.script.tone.mood = e.target.value; edited(); });
  $("tone-music").addEventListener("input", (e) => { state.script.tone.music_query = e.target.value; edited(); });
  window.addEventListener("hashchange", route);
  window.addEventListener("beforeunload", (event) => { if (state.dirty) event.preventDefault(); });
  route();
  pollJobs();
}

document.addEventListener("DOMContentLoaded", start);
