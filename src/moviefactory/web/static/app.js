// MovieFactory studio page: vanilla JS, no build step, no outside requests.
// Every piece of user or movie text reaches the DOM through textContent / element properties, never innerHTML.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  options: { aspects: [], shots: [], cameras: [], defaults: {} },
  movies: new Map(),      // slug -> movie info from /api/movies
  jobStates: new Map(),   // job id -> last seen state (to notice when a job finishes)
  jobNodes: new Map(),    // job id -> its <li>, updated in place so progress bars animate smoothly
  slug: null,             // the movie open in the movie view
  script: null,           // its script as loaded from the server
  dirty: false,           // unsaved edits in the scene table
  videoVersion: null,     // the cut the player shows (movie.mp4 sha prefix)
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
    else if (key === "value" || key === "checked" || key === "disabled") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);  // strings become text nodes
  }
  return node;
}

async function api(method, path, body) {
  const opts = { method, headers: { Accept: "application/json" } };
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
  const movie = state.movies.get(job.slug);
  const scenes = job.params.scenes || [];
  return `Render ${movie ? movie.title : job.slug}` + (scenes.length ? ` (scene ${scenes.join(", ")})` : "");
}

function jobStage(job) {
  const p = job.progress || {};
  if (job.state === "queued") return "waiting for the worker";
  if (job.state === "done") {
    const r = job.result || {};
    return `done in ${fmtSeconds(job.finished - job.started)}` + (r.duration_s ? ` · ${fmtSeconds(r.duration_s)} movie` : "");
  }
  if (job.state === "failed") return job.started ? `failed after ${fmtSeconds(job.finished - job.started)}` : "failed";
  const task = p.stage && p.tasks ? p.tasks[p.stage] : null;
  let text = p.label || "starting";
  if (task && task.total > 1) text += ` · ${Math.round(task.completed)}/${Math.round(task.total)}`;
  const notes = p.notes || [];
  if (notes.length) text += ` · ${notes[notes.length - 1]}`;
  return text;
}

function jobNode(job) {
  let li = state.jobNodes.get(job.id);
  if (!li) {
    li = el("li", { class: "job" },
      el("div", { class: "line" }, el("span", { class: "what" }), el("span", { class: "state" })),
      el("div", { class: "bar" }, el("div")),
      el("div", { class: "stage" }),
      el("div", { class: "err" }));
    state.jobNodes.set(job.id, li);
  }
  li.className = `job ${job.state}`;
  const what = li.querySelector(".what");
  what.replaceChildren();
  if (job.slug && (job.state === "done" || job.kind === "render")) {
    what.append(el("a", { href: `#/movie/${encodeURIComponent(job.slug)}`, text: jobTitle(job) }));
  } else {
    what.textContent = jobTitle(job);
  }
  what.title = jobTitle(job);
  li.querySelector(".state").replaceChildren(badge(job.state));
  const fraction = job.state === "done" ? 1 : (job.progress && job.progress.fraction) || 0;
  li.querySelector(".bar > div").style.width = `${Math.round(fraction * 100)}%`;
  li.querySelector(".stage").textContent = jobStage(job);
  li.querySelector(".err").textContent = job.error || "";
  li.querySelector(".err").hidden = !job.error;
  return li;
}

function renderJobs(jobs) {
  const list = $("jobs");
  list.replaceChildren(...jobs.map(jobNode));
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
    if (changed.size) {
      await loadMovies();
      if (state.slug && changed.has(state.slug)) await refreshMovie(false);
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
  const body = {
    text: $("make-text").value,
    seed: Number($("make-seed").value || 0),
    scenes: scenes ? Number(scenes) : null,
    aspect: $("make-aspect").value || null,
  };
  button.disabled = true;
  $("make-error").textContent = "";
  try {
    await api("POST", "/api/movies", body);
    await pollJobs();
  } catch (err) {
    $("make-error").textContent = err.message;
  } finally {
    button.disabled = false;
  }
}

// -- the movie list --------------------------------------------------------------------------------------
async function loadMovies() {
  const { movies } = await api("GET", "/api/movies");
  state.movies = new Map(movies.map((m) => [m.slug, m]));
  const grid = $("movies");
  grid.replaceChildren(...movies.map((m) =>
    el("a", { class: "movie-card", href: `#/movie/${encodeURIComponent(m.slug)}` },
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
  const video = el("video", { controls: true, preload: "metadata", playsinline: true,
    src: `${movieUrl(info.slug, "movie.mp4")}?v=${v}` });
  if (info.files["movie.vtt"] || info.files["movie.srt"]) {
    const track = el("track", { kind: "subtitles", label: "Subtitles", srclang: "en", default: true,
      src: `${movieUrl(info.slug, "movie.vtt")}?v=${v}` });
    video.append(track);
  }
  box.replaceChildren(video);
}

function renderInfo(info) {
  $("movie-title").textContent = info.title;
  $("movie-logline").textContent = info.logline || info.request;
  $("movie-meta").replaceChildren(
    badge(info.state),
    el("span", { text: `${info.scenes} scenes` }),
    el("span", { text: fmtSeconds(info.duration_s) }),
    el("span", { text: `seed ${info.seed}` }),
    el("span", { class: "muted", text: info.slug }));
  const links = [];
  if (info.files["report.html"]) {
    links.push(el("a", { href: movieUrl(info.slug, "report.html"), target: "_blank", rel: "noopener", text: "Quality report" }));
  }
  if (info.has_movie) links.push(el("a", { href: movieUrl(info.slug, "movie.mp4"), download: "", text: "Download MP4" }));
  if (info.files["movie.srt"]) links.push(el("a", { href: movieUrl(info.slug, "movie.srt"), download: "", text: "Subtitles (SRT)" }));
  $("movie-links").replaceChildren(...links);
  $("movie-warnings").replaceChildren(...(info.warnings || []).map((w) => el("li", { text: w })));
  if (info.script_error) $("script-error").textContent = info.script_error;
  renderPlayer(info);
}

function choice(values, current, onChange) {
  const all = values.includes(current) ? values : [current, ...values];
  return el("select", { onchange: onChange }, ...all.map((v) => el("option", { value: v, text: v, selected: v === current })));
}

function renderScript(script) {
  const body = $("scene-table").querySelector("tbody");
  if (!script) { body.replaceChildren(); return; }
  const rows = script.scenes.map((scene, i) => {
    const tr = el("tr", { "data-id": scene.id });
    const edited = () => { tr.classList.add("dirty"); setDirty(true); };
    tr.append(
      el("td", { class: "id", text: `${i + 1} · ${scene.id}` }),
      el("td", { class: "prompt" }, el("textarea", { name: "prompt", rows: 3, maxlength: 1000, value: scene.prompt, oninput: edited })),
      el("td", { class: "num" }, el("input", { name: "duration_s", type: "number", min: 0.5, max: 30, step: 0.1,
        value: String(scene.duration_s), oninput: edited })),
      el("td", { class: "sel" }, Object.assign(choice(state.options.shots, scene.shot, edited), { name: "shot" })),
      el("td", { class: "sel" }, Object.assign(choice(state.options.cameras, scene.camera, edited), { name: "camera" })),
      el("td", {}, el("textarea", { name: "subtitle", rows: 3, maxlength: 300, value: scene.subtitle, oninput: edited })),
      el("td", {}, el("textarea", { name: "sound", rows: 3, maxlength: 200, value: scene.sound, oninput: edited })),
      el("td", {}, el("button", { type: "button", class: "small", title: "Save, then render this scene again",
        text: "Re-render scene", onclick: () => renderScenes([scene.id]) })));
    return tr;
  });
  body.replaceChildren(...rows);
}

function setDirty(dirty) {
  state.dirty = dirty;
  $("save-button").disabled = !dirty;
  $("script-status").textContent = dirty ? "unsaved changes" : "";
  if (!dirty) document.querySelectorAll("#scene-table tr.dirty").forEach((tr) => tr.classList.remove("dirty"));
}

function editedScript() {
  const script = structuredClone(state.script);
  for (const tr of $("scene-table").querySelectorAll("tbody tr")) {
    const scene = script.scenes.find((s) => s.id === tr.dataset.id);
    const field = (name) => tr.querySelector(`[name="${name}"]`).value;
    scene.prompt = field("prompt");
    const seconds = field("duration_s").trim();
    scene.duration_s = seconds === "" || Number.isNaN(Number(seconds)) ? seconds : Number(seconds);  // the server names a bad value
    scene.shot = field("shot");
    scene.camera = field("camera");
    scene.subtitle = field("subtitle");
    scene.sound = field("sound");
  }
  return script;
}

async function saveScript() {
  $("script-error").textContent = "";
  const slug = state.slug;
  try {
    await api("PUT", movieUrl(slug, "script"), JSON.stringify(editedScript()));
  } catch (err) {
    $("script-error").textContent = err.message;
    return false;
  }
  if (slug !== state.slug) return true;
  state.script = await api("GET", movieUrl(slug, "script"));
  renderScript(state.script);
  setDirty(false);
  $("script-status").textContent = "saved";
  return true;
}

async function renderScenes(sceneIds) {
  if (state.dirty && !(await saveScript())) return;
  $("script-error").textContent = "";
  try {
    const job = await api("POST", movieUrl(state.slug, "render"), { scenes: sceneIds });
    $("script-status").textContent = sceneIds.length ? `queued scene ${sceneIds.join(", ")} (job ${job.id})` : `queued render (job ${job.id})`;
    await pollJobs();
  } catch (err) {
    $("script-error").textContent = err.message;
  }
}

async function refreshMovie(reloadScript) {
  const slug = state.slug;
  const info = await api("GET", movieBase(slug));
  if (slug !== state.slug) return;
  renderInfo(info);
  if (reloadScript || !state.dirty) {
    try {
      state.script = await api("GET", movieUrl(slug, "script"));
      if (slug === state.slug) { renderScript(state.script); setDirty(false); }
    } catch (err) {
      $("script-error").textContent = err.message;
      state.script = null;
      renderScript(null);
    }
  }
}

async function openMovie(slug) {
  if (state.slug !== slug) {
    state.slug = slug;
    state.script = null;
    state.videoVersion = null;
    $("player-box").replaceChildren();
    $("script-error").textContent = "";
    renderScript(null);
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
  setDirty(false);
  $("view-movie").hidden = true;
  $("view-list").hidden = false;
  loadMovies().catch((err) => { $("server-note").textContent = err.message; });
}

async function start() {
  try {
    state.options = await api("GET", "/api/options");
  } catch (err) {
    $("server-note").textContent = `server unreachable (${err.message})`;
  }
  const aspect = $("make-aspect");
  aspect.replaceChildren(...state.options.aspects.map((a) =>
    el("option", { value: a, text: a, selected: a === state.options.defaults.aspect })));
  if (state.options.defaults.scenes) $("make-scenes").placeholder = `auto (${state.options.defaults.scenes})`;
  $("make-form").addEventListener("submit", submitMake);
  $("save-button").addEventListener("click", saveScript);
  $("render-button").addEventListener("click", () => renderScenes([]));
  window.addEventListener("hashchange", route);
  window.addEventListener("beforeunload", (event) => { if (state.dirty) event.preventDefault(); });
  route();
  pollJobs();
}

document.addEventListener("DOMContentLoaded", start);
