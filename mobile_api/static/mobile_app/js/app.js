// 代表走访: boot, routing, the sync bar and the upload loop. Screens live in screens.js.
import * as api from "./api.js";
import * as outbox from "./outbox.js";
import { screens, t, setStatusLine, formatTime } from "./screens.js";

const BACKOFF_MIN_MS = 5000;
const BACKOFF_MAX_MS = 5 * 60 * 1000;
const PERIODIC_MS = 30000;
const LAST_UPLOAD = "m.lastUpload";
let retryTimer = null;
let backoffMs = BACKOFF_MIN_MS;
const $ = (id) => document.getElementById(id);

export const app = {
  go(route) { if (location.hash === `#${route}`) render(); else location.hash = route; },
  async flushNow() { return flushSoon(0); },
  sessionLost(message) {
    app.loginMessage = message || t("session_lost");
    app.go("login");
  },
  loginMessage: "",
};

function route() {
  const [name, query = ""] = location.hash.replace(/^#/, "").split("?");
  return { name: name || "home", params: new URLSearchParams(query) };
}

async function render() {
  const { name, params } = route();
  const target = api.loggedIn() ? (screens[name] ? name : "home") : "login";
  if (target === "login" && name !== "login") { location.replace("#login"); }
  document.body.dataset.screen = target;
  $("tabs").hidden = target === "login";
  $("sync").hidden = target === "login";
  document.querySelectorAll("#tabs a").forEach((a) => {
    a.textContent = t(a.dataset.tab);
    a.classList.toggle("active", a.dataset.tab === target);
    if (a.dataset.tab === target) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  });
  $("title").textContent = t("app_name");
  $("lang").textContent = api.language() === "en" ? "中文" : "English";
  document.documentElement.lang = api.language() === "en" ? "en" : "zh-CN";
  updateSyncBar();
  const main = $("main");
  main.replaceChildren();
  await screens[target](main, { app, params });
  await updateSyncBar();
}

async function updateSyncBar() {
  const bar = $("sync");
  const online = navigator.onLine;
  const waiting = await outbox.waitingCount();
  bar.dataset.online = String(online);
  bar.dataset.waiting = String(waiting);
  $("sync-net").textContent = online ? t("online") : t("offline");
  $("sync-waiting").textContent = t("waiting", { n: waiting });
  const last = localStorage.getItem(LAST_UPLOAD);
  $("sync-last").textContent = last ? t("last_upload", { t: formatTime(last) }) : t("never_uploaded");
  $("sync-now").textContent = t("sync_now");
}

function scheduleRetry(ms) {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => flushSoon(0), ms);
}

async function flushSoon() {
  if (!api.loggedIn()) return;
  if (!navigator.onLine) { scheduleRetry(backoffMs); return; }
  try {
    const { uploaded } = await outbox.flush();
    if (uploaded) localStorage.setItem(LAST_UPLOAD, new Date().toISOString());
    backoffMs = BACKOFF_MIN_MS;
    if (await outbox.waitingCount()) scheduleRetry(PERIODIC_MS);
  } catch (err) {
    if (err instanceof api.AuthLost) { app.sessionLost(); return; }
    if (!(err instanceof api.NetworkError)) console.warn("upload", err);
    scheduleRetry(backoffMs);
    backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
  } finally {
    await updateSyncBar();
    setStatusLine();
  }
}

function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  const hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.register(`${api.config.scope}sw.js`, { scope: api.config.scope })
    .then(() => { document.body.dataset.sw = "registered"; })
    .catch((err) => console.warn("service worker", err));
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!hadController) return;
    const button = $("update");
    button.textContent = t("update_ready");
    button.hidden = false;
  });
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.type === "flush") flushSoon(0);
  });
}

export async function requestBackgroundSync() {
  try {
    const reg = await navigator.serviceWorker.ready;
    if (reg.sync) await reg.sync.register("outbox");
  } catch { /* Background Sync missing or refused: the online event and the timer do the job */ }
}

function boot() {
  registerWorker();
  window.addEventListener("hashchange", render);
  window.addEventListener("online", () => { backoffMs = BACKOFF_MIN_MS; flushSoon(0); });
  window.addEventListener("offline", updateSyncBar);
  let queued = false;
  outbox.onChange(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; updateSyncBar(); setStatusLine(); });
  });
  $("lang").addEventListener("click", () => {
    api.setLanguage(api.language() === "en" ? "zh" : "en");
    render();
  });
  $("sync-now").addEventListener("click", () => flushSoon(0));
  $("update").addEventListener("click", () => location.reload());
  app.requestBackgroundSync = requestBackgroundSync;
  render().then(() => { document.body.dataset.ready = "true"; flushSoon(0); });
}

boot();
