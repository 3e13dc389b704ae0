// The phone API client: device id and tokens in localStorage, silent refresh, typed failures.
const KEY = { device: "m.deviceId", tokens: "m.tokens", user: "m.user", lang: "m.lang" };
const config = JSON.parse(document.getElementById("app-config").textContent);
export const API = config.api;

/** The server did not answer (offline, aborted, 5xx, throttled): retry later. */
export class NetworkError extends Error {}
/** The session cannot continue (expired refresh, revoked device, logged out): log in again. */
export class AuthLost extends Error {
  constructor(code, message) { super(message); this.code = code; }
}
/** The server answered with a definite refusal ({code, message, errors}). */
export class ApiRefusal extends Error {
  constructor(status, body) { super(body.message || String(status)); this.status = status; this.body = body; }
}

function newUuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
export const uuid4 = newUuid;

export function deviceId() {
  let id = localStorage.getItem(KEY.device);
  if (!id) { id = newUuid(); localStorage.setItem(KEY.device, id); }
  return id;
}
/** A revoked registration cannot log in again: the phone registers afresh under a new id. */
export function renewDeviceId() { localStorage.removeItem(KEY.device); return deviceId(); }

export function language() { return localStorage.getItem(KEY.lang) || "zh"; }
export function setLanguage(lang) { localStorage.setItem(KEY.lang, lang); }

function tokens() { return JSON.parse(localStorage.getItem(KEY.tokens) || "null"); }
function saveTokens(t) { localStorage.setItem(KEY.tokens, JSON.stringify(t)); }
export function currentUser() { return JSON.parse(localStorage.getItem(KEY.user) || "null"); }
export function loggedIn() { return !!tokens() && !!currentUser(); }
export function dropSession() { localStorage.removeItem(KEY.tokens); }

async function raw(method, path, { body, token } = {}) {
  const headers = { "Accept-Language": language() === "en" ? "en" : "zh-hans" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(API + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store",
    });
  } catch (err) {
    throw new NetworkError(String(err));
  }
  if (response.status === 204) return null;
  let data = null;
  try { data = await response.json(); } catch { /* not JSON: treat as a network failure below */ }
  if (response.status >= 500 || response.status === 429 || data === null) {
    throw new NetworkError(`HTTP ${response.status}`);
  }
  if (!response.ok) throw new ApiRefusal(response.status, data);
  return data;
}

const SESSION_CODES = new Set([
  "auth.invalid_token", "auth.device_revoked", "auth.session_ended",
  "auth.account_inactive", "auth.credentials_changed", "auth.required",
]);
let refreshing = null;

async function refresh() {
  const t = tokens();
  if (!t) throw new AuthLost("auth.required", "");
  try {
    const fresh = await raw("POST", "auth/refresh", { body: { refresh: t.refresh } });
    saveTokens({ access: fresh.access, refresh: fresh.refresh });
  } catch (err) {
    if (err instanceof ApiRefusal) {
      dropSession();
      if (err.body.code === "auth.device_revoked") renewDeviceId();
      throw new AuthLost(err.body.code, err.body.message);
    }
    throw err;
  }
}

/** An authenticated call: refreshes once on a rejected access token, then gives up the session. */
export async function call(method, path, body) {
  const t = tokens();
  if (!t) throw new AuthLost("auth.required", "");
  try {
    return await raw(method, path, { body, token: t.access });
  } catch (err) {
    if (!(err instanceof ApiRefusal) || err.status !== 401) throw err;
    if (err.body.code === "auth.device_revoked") {
      dropSession(); renewDeviceId();
      throw new AuthLost(err.body.code, err.body.message);
    }
    if (!SESSION_CODES.has(err.body.code)) throw err;
  }
  refreshing = refreshing || refresh().finally(() => { refreshing = null; });
  await refreshing;
  try {
    return await raw(method, path, { body, token: tokens().access });
  } catch (err) {
    if (err instanceof ApiRefusal && err.status === 401) {
      dropSession();
      throw new AuthLost(err.body.code, err.body.message);
    }
    throw err;
  }
}

export async function login(username, password) {
  const body = {
    username, password, device_id: deviceId(),
    device_name: "代表走访 PWA", platform: "web",
  };
  let data;
  try {
    data = await raw("POST", "auth/login", { body });
  } catch (err) {
    if (err instanceof ApiRefusal && err.body.code === "auth.device_revoked") {
      body.device_id = renewDeviceId();
      data = await raw("POST", "auth/login", { body });
    } else throw err;
  }
  saveTokens({ access: data.access, refresh: data.refresh });
  const me = await call("GET", "me");
  localStorage.setItem(KEY.user, JSON.stringify({ id: me.user.id, username: me.user.username }));
  return me;
}

export async function logout() {
  const t = tokens();
  if (t) {
    try { await raw("POST", "auth/logout", { body: { refresh: t.refresh }, token: t.access }); }
    catch { /* offline or already ended: the tokens are dropped below either way */ }
  }
  dropSession();
  localStorage.removeItem(KEY.user);
}

export { config };
