// The screens. Each renders into <main> from cached data first, then refreshes from the API.
import * as api from "./api.js";
import * as outbox from "./outbox.js";
import { locate, distanceM, localIso, centroid, POOR_M, FLAGGED_M } from "./geo.js";

const catalog = () => api.config.i18n[api.language()] || api.config.i18n.zh;
export function t(key, params = {}) {
  const s = catalog().strings[key] || key;
  return s.replace(/%\((\w+)\)s/g, (_, k) => String(params[k] ?? ""));
}
const label = (list, value) => (catalog()[list].find(([v]) => v === value) || [value, value])[1];
const TIME = {};
export function formatTime(iso, dateOnly = false) {
  if (!iso) return "";
  const lang = api.language() === "en" ? "en-GB" : "zh-CN";
  const key = lang + dateOnly;
  TIME[key] = TIME[key] || new Intl.DateTimeFormat(lang, {
    timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit",
    ...(dateOnly ? { year: "numeric" } : { hour: "2-digit", minute: "2-digit" }),
  });
  return TIME[key].format(new Date(iso.length === 10 ? `${iso}T00:00:00+08:00` : iso));
}

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k in el && k !== "list") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

// --- cached reads ---------------------------------------------------------------------------
function cacheKey(name) { const u = api.currentUser(); return `m.cache.${u ? u.id : 0}.${name}`; }
function cached(name) { return JSON.parse(localStorage.getItem(cacheKey(name)) || "null"); }
function store(name, data) { localStorage.setItem(cacheKey(name), JSON.stringify({ at: new Date().toISOString(), data })); }

/** Cached copy now (if any), then the network's; calls show(data, fresh) once or twice. */
async function load(name, path, show, ctx) {
  const old = cached(name);
  if (old) show(old.data, false, old.at);
  let data;
  try {
    data = await api.call("GET", path);
  } catch (err) {
    if (err instanceof api.AuthLost) { ctx.app.sessionLost(); return null; }
    if (!(err instanceof api.NetworkError)) console.warn(path, err);
    if (!old) show(null, false);
    return old && old.data;
  }
  store(name, data);
  show(data, true);
  return data;
}

let statusLine = null;
export function setStatusLine() { if (statusLine) statusLine(); }

// --- login ----------------------------------------------------------------------------------
async function login(main, ctx) {
  const message = h("p", { class: "notice", id: "login-message", role: "status" }, ctx.app.loginMessage || "");
  message.hidden = !ctx.app.loginMessage;
  const user = h("input", { name: "username", autocomplete: "username", required: true, value: (api.currentUser() || {}).username || "" });
  const pass = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = h("p", { class: "error", id: "login-error", role: "alert" });
  const submit = h("button", { class: "btn primary", type: "submit" }, t("login"));
  const form = h("form", { class: "card", id: "login-form" },
    h("h1", {}, t("login_title")),
    h("label", {}, t("username"), user), h("label", {}, t("password"), pass), error, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    if (!navigator.onLine) { error.textContent = t("login_needs_network"); return; }
    submit.disabled = true; submit.textContent = t("logging_in");
    try {
      const me = await api.login(user.value.trim(), pass.value);
      store("me", me);
      ctx.app.loginMessage = "";
      ctx.app.go("home");
      ctx.app.flushNow();
    } catch (err) {
      error.textContent = err instanceof api.ApiRefusal ? err.body.message : t("login_needs_network");
    } finally { submit.disabled = false; submit.textContent = t("login"); }
  });
  main.append(message, form);
  const waiting = await outbox.all();
  if (waiting.some((r) => outbox.OPEN_STATES.has(r.state))) {
    main.append(h("p", { class: "muted", id: "login-waiting" },
      t("waiting", { n: waiting.filter((r) => outbox.OPEN_STATES.has(r.state)).length })));
  }
}

// --- home -----------------------------------------------------------------------------------
function dutyText(me) {
  const today = me.today.on_duty_at;
  if (today.length) return t("on_duty_today", { s: today.map((d) => d.station_name).join("、") });
  const next = me.stations.filter((s) => s.next_duty_date).sort((a, b) => a.next_duty_date.localeCompare(b.next_duty_date))[0];
  return next ? t("next_duty", { d: formatTime(next.next_duty_date, true), s: next.name }) : t("no_duty");
}

function dutyCard(duty) {
  const decided = duty.present + duty.absent;
  return h("section", { class: "card", id: "duty-days", "data-present": duty.present, "data-absent": duty.absent, "data-upcoming": duty.upcoming.length },
    h("h2", {}, t("duty_title")),
    duty.upcoming.length
      ? h("ul", { class: "list", id: "duty-upcoming" }, ...duty.upcoming.map((d) =>
        h("li", { "data-date": d.date }, `${formatTime(d.date, true)} ${d.opens_at}–${d.closes_at} · ${d.station_name}`)))
      : h("p", { class: "muted" }, t("duty_none_ahead")),
    decided || duty.scheduled
      ? h("p", { class: "muted", id: "duty-attended" }, t("duty_attended", { p: duty.present, a: duty.absent, n: decided }))
      : null);
}

function stat(id, name, value, pending) {
  return h("div", { class: "stat", id },
    h("span", { class: "stat-value" }, String(value)), h("span", { class: "stat-name" }, name),
    pending ? h("span", { class: "pending" }, pending) : null);
}

function progressCard(p) {
  const pct = Math.min(100, Math.round((100 * p.households_visited) / (p.households_target || 50)));
  const pend = (key, suffix = t("pending_verification")) => (key in p ? `${p[key]} ${suffix}` : null);
  return h("section", { class: "card", id: "progress" },
    h("h2", {}, `${t("progress_title")} (${p.year})`),
    h("p", { class: "big", id: "progress-households", "data-value": p.households_visited, "data-target": p.households_target },
      t("households_progress", { n: p.households_visited, t: p.households_target })),
    h("div", { class: "meter", role: "progressbar", "aria-valuenow": pct, "aria-valuemin": 0, "aria-valuemax": 100 },
      h("div", { style: `width:${pct}%` })),
    "households_pending" in p ? h("p", { class: "pending", id: "households-pending" }, t("households_pending", { n: p.households_pending })) : null,
    h("div", { class: "stats" },
      stat("progress-visits", t("visits_n"), p.visits, pend("visits_pending")),
      stat("progress-checkins", t("checkins_n"), p.checkins, pend("checkins_outside", t("checkins_outside"))),
      stat("progress-opinions", t("opinions_n"), p.opinions)));
}

/* One line per campaign I take part in (me.campaigns): my households against my share. */
function campaignsCard(campaigns) {
  if (!campaigns || !campaigns.length) return null;
  return h("section", { class: "card", id: "my-campaigns" },
    ...campaigns.map((c) => h("p", { class: `campaign band-${c.band}`, "data-id": c.id, "data-households": c.households },
      c.target_households === null
        ? t("campaign_line_open", { c: c.name, n: c.households, e: c.ends_on })
        : t("campaign_line", { c: c.name, n: c.households, t: c.target_households, e: c.ends_on }))));
}

async function home(main, ctx) {
  const box = h("div", { id: "home" });
  main.append(box);
  await load("me", "me", (me, fresh, at) => {
    box.replaceChildren();
    if (!me) { box.append(h("p", { class: "notice" }, t("no_data_yet"))); return; }
    box.dataset.fresh = String(fresh);
    box.append(...[
      h("section", { class: "card duty" }, h("p", { class: "big", id: "duty" }, dutyText(me)),
        h("p", { class: "muted" }, me.deputy.name)),
      me.duty ? dutyCard(me.duty) : null,
      me.next_deliberation ? h("section", { class: "card", id: "next-deliberation", "data-id": me.next_deliberation.id },
        h("h2", {}, t("deliberations_title")),
        h("p", {}, t("next_deliberation", { d: formatTime(me.next_deliberation.date, true), t: me.next_deliberation.opens_at, s: me.next_deliberation.station_name })),
        me.next_deliberation.place ? h("p", { class: "muted" }, me.next_deliberation.place) : null) : null,
      progressCard(me.progress),
      campaignsCard(me.campaigns),
      h("p", {}, h("a", { class: "btn ghost", id: "duty-link", href: "#duty" }, t("duty_link"))),
      h("p", {}, h("a", { class: "btn ghost", id: "record-link", href: "#record" }, t("record_link"))),
      fresh ? null : h("p", { class: "muted", id: "offline-note" }, `${t("offline_cached")} · ${t("data_as_of", { t: formatTime(at) })}`),
    ].filter(Boolean));
  }, ctx);
  const logout = h("button", { class: "btn ghost", id: "logout", type: "button" }, t("logout"));
  logout.addEventListener("click", async () => {
    const n = await outbox.waitingCount();
    if (n && !window.confirm(t("logout_confirm", { n }))) return;
    await api.logout();
    ctx.app.loginMessage = "";
    ctx.app.go("login");
  });
  main.append(logout);
}

// --- cells ----------------------------------------------------------------------------------
const COLOURS = { never: "#c62828", stale: "#e08a00", covered: "#2e7d32" };
let lastFix = null;

function orderCells(features, here) {
  const key = (f) => [
    f.properties.state === "never" ? 0 : 1,
    f.properties.last_visit_at ? Date.parse(f.properties.last_visit_at) : 0,
    here ? distanceM(here, centroid(f.geometry)) : 0,
  ];
  return [...features].sort((a, b) => {
    const ka = key(a); const kb = key(b);
    return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2];
  });
}

function cellDetail(p) {
  return h("div", { class: "card", id: "cell-detail" },
    h("h2", {}, p.name), h("p", {}, `${t("households")}: ${p.households}`),
    h("p", {}, `${t("status")}: ${t(`state_${p.state}`)}`),
    h("p", {}, `${t("last_visit")}: ${p.last_visit_at ? formatTime(p.last_visit_at) : t("never")}`),
    h("p", {}, `${t("my_last_visit")}: ${p.my_last_visit_at ? formatTime(p.my_last_visit_at) : t("never")}`));
}

async function cells(main, ctx) {
  const mapEl = h("div", { id: "cell-map", class: "map" });
  const detail = h("div", { id: "cell-detail-box" });
  const list = h("ol", { id: "cell-list", class: "list" });
  const legend = h("p", { class: "legend" }, ...Object.entries(COLOURS).map(([s, c]) =>
    h("span", {}, h("i", { style: `background:${c}` }), t(`state_${s}`))));
  main.append(mapEl, legend, detail, list);
  let map = null;
  const show = (fc) => {
    list.replaceChildren();
    if (!fc || !fc.features.length) { list.append(h("li", { class: "notice" }, t(fc ? "no_cells" : "no_data_yet"))); return; }
    const select = (p) => detail.replaceChildren(cellDetail(p));
    for (const f of orderCells(fc.features, lastFix)) {
      const p = f.properties;
      const d = lastFix ? Math.round(distanceM(lastFix, centroid(f.geometry))) : null;
      list.append(h("li", {}, h("button", { class: `row state-${p.state}`, type: "button", "data-cell": p.id, onclick: () => select(p) },
        h("span", { class: "dot", style: `background:${COLOURS[p.state]}` }),
        h("span", { class: "grow" }, h("strong", {}, p.name), h("small", {}, `${t(`state_${p.state}`)} · ${p.last_visit_at ? formatTime(p.last_visit_at) : t("never")}`)),
        d !== null ? h("small", {}, `${d} m`) : null)));
    }
    if (!window.L || !fc.features.length) return;
    if (!map) {
      map = L.map(mapEl, { minZoom: 3, maxZoom: 19, zoomControl: true, attributionControl: false });
      ctx.map = map;
    }
    map.eachLayer((layer) => map.removeLayer(layer));
    const layer = L.geoJSON(fc, {
      style: (f) => ({ color: "#333", weight: 1, fillColor: COLOURS[f.properties.state], fillOpacity: 0.55 }),
      onEachFeature: (f, l) => l.on("click", () => select(f.properties)),
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [8, 8] });
    mapEl.dataset.cells = String(fc.features.length);
  };
  await load("cells", "me/cells", show, ctx);
  if (!lastFix && navigator.geolocation) {
    navigator.geolocation.getCurrentPosition((pos) => {
      lastFix = { lon: pos.coords.longitude, lat: pos.coords.latitude };
      const c = cached("cells"); if (c && document.body.dataset.screen === "cells") show(c.data);
    }, () => {}, { maximumAge: 60000, timeout: 5000 });
  }
}

// --- position widget ------------------------------------------------------------------------
function positionWidget(onChange) {
  const text = h("p", { class: "big", id: "fix" }, t("locating"));
  const warn = h("p", { class: "warn", id: "fix-warning", role: "status" });
  const again = h("button", { class: "btn ghost", type: "button" }, t("retry_position"));
  const box = h("section", { class: "card", id: "position" }, h("h2", {}, t("position")), text, warn, again);
  const state = { fix: null };
  const showFix = (fix) => {
    state.fix = fix; lastFix = fix;
    text.textContent = t("accuracy", { m: Math.round(fix.accuracy_m) });
    box.dataset.accuracy = String(fix.accuracy_m);
    warn.textContent = fix.accuracy_m > FLAGGED_M ? t("accuracy_flagged") : fix.accuracy_m > POOR_M ? t("accuracy_poor") : "";
    warn.className = fix.accuracy_m > FLAGGED_M ? "error" : "warn";
    onChange(fix);
  };
  let runs = 0;
  const run = () => {
    const mine = ++runs;
    text.textContent = t("locating");
    box.dataset.state = "locating";
    locate(showFix).then(() => { if (mine === runs) box.dataset.state = "done"; }).catch(() => {
      if (mine !== runs) return;
      box.dataset.state = state.fix ? "done" : "failed";
      if (!state.fix) text.textContent = t("no_position");
    });
  };
  again.addEventListener("click", run);
  run();
  return { box, state };
}

// --- record a visit -------------------------------------------------------------------------
function select(name, options, value) {
  return h("select", { name }, ...options.map(([v, l]) => h("option", { value: v, selected: v === value }, l)));
}

async function visit(main, ctx) {
  const editing = ctx.params.get("edit") ? await outbox.get(ctx.params.get("edit")) : null;
  const old = editing ? editing.payload : {};
  const pos = positionWidget(() => {});
  const kind = select("kind", catalog().kinds, old.kind || "household");
  const households = h("input", { name: "households", type: "number", inputMode: "numeric", min: 0, value: old.households ?? 1 });
  const ref = h("input", { name: "household_ref", maxLength: 64, value: old.household_ref || "" });
  const notes = h("textarea", { name: "notes", rows: 3, value: old.notes || "" });
  const withOpinion = h("input", { type: "checkbox", name: "with_opinion" });
  const category = select("category", catalog().categories, "other");
  const text = h("textarea", { name: "opinion_text", rows: 3 });
  const consent = h("input", { type: "checkbox", name: "consent" });
  const phone = h("input", { name: "citizen_contact", type: "tel", inputMode: "tel", disabled: true, maxLength: 30 });
  consent.addEventListener("change", () => { phone.disabled = !consent.checked; if (!consent.checked) phone.value = ""; });
  const opinionBox = h("fieldset", { class: "opinion", hidden: true },
    h("label", {}, t("category"), category), h("label", {}, t("opinion_text"), text),
    h("label", { class: "check" }, consent, t("consent")), h("label", {}, t("citizen_phone"), phone));
  withOpinion.addEventListener("change", () => { opinionBox.hidden = !withOpinion.checked; });
  const message = h("p", { id: "visit-message", role: "status" });
  const errors = editing ? reasonList(editing) : null;
  const form = h("form", { class: "card", id: "visit-form" },
    errors, h("label", {}, t("kind"), kind), h("label", {}, t("households_count"), households),
    h("label", {}, t("household_ref"), ref), h("label", {}, t("notes"), notes),
    editing ? null : h("label", { class: "check" }, withOpinion, t("add_opinion")), editing ? null : opinionBox,
    message, h("button", { class: "btn primary", type: "submit" }, editing ? t("correct_resend") : t("save")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fix = pos.state.fix;
    if (!fix) { message.className = "error"; message.textContent = t("save_needs_position"); return; }
    if (withOpinion.checked && !text.value.trim()) { message.className = "error"; message.textContent = t("text_required"); return; }
    const payload = {
      client_uuid: editing ? editing.uuid : api.uuid4(), kind: kind.value,
      location: { type: "Point", coordinates: [fix.lon, fix.lat] }, accuracy_m: fix.accuracy_m,
      recorded_at: editing ? old.recorded_at : localIso(), households: Number(households.value || 0),
      household_ref: ref.value.trim(), notes: notes.value, mock_location: false,
    };
    if (editing) {
      await outbox.resend(editing.uuid, payload);
      ctx.app.flushNow(); ctx.app.go("outbox"); return;
    }
    await outbox.add("visit", payload);
    if (withOpinion.checked) {
      await outbox.add("opinion", {
        client_uuid: api.uuid4(), category: category.value, text: text.value.trim(),
        location: payload.location, contact_consent: consent.checked,
        citizen_contact: consent.checked ? phone.value.trim() : "", recorded_at: payload.recorded_at,
      }, { visit_uuid: payload.client_uuid });
    }
    form.reset(); phone.disabled = true; opinionBox.hidden = true;
    message.className = "ok"; message.textContent = t("saved");
    form.dataset.saved = String(Number(form.dataset.saved || 0) + 1);
    ctx.app.requestBackgroundSync();
    ctx.app.flushNow();
  });
  main.append(pos.box, form);
}

// --- check in -------------------------------------------------------------------------------
function checkinResult(record) {
  if (!record) return "";
  if (record.state === "rejected" || record.state === "conflict") return `${t(`st_${record.state}`)}: ${record.message || ""}`;
  if (!record.answer || record.answer.inside_geofence === undefined) return t("checkin_waiting");
  const d = Math.round(record.answer.distance_m);
  return record.answer.inside_geofence ? t("checked_in_inside", { d }) : t("checked_in_outside", { d });
}

async function checkin(main, ctx) {
  const list = h("ul", { id: "station-list", class: "list" });
  const result = h("p", { class: "big", id: "checkin-result", role: "status" });
  const resultCard = h("section", { class: "card", id: "checkin-card", hidden: true }, result);
  let lastUuid = null;
  const showStations = (fix) => {
    const me = cached("me");
    const nearby = cached("nearby");
    const byId = new Map();
    for (const s of (nearby && nearby.data.results) || []) byId.set(s.id, s);
    for (const s of (me && me.data.stations) || []) if (!byId.has(s.id)) byId.set(s.id, s);
    const stations = [...byId.values()].map((s) => ({
      ...s, here_m: fix ? distanceM(fix, { lon: s.location.coordinates[0], lat: s.location.coordinates[1] }) : null,
    })).sort((a, b) => (a.here_m ?? 0) - (b.here_m ?? 0));
    list.replaceChildren(...(stations.length ? stations.map((s) => h("li", { class: "row" },
      h("span", { class: "grow" }, h("strong", {}, s.name), h("small", {}, s.here_m === null ? "" : `${t("distance")} ${Math.round(s.here_m)} m`)),
      h("button", { class: "btn primary", type: "button", "data-station": s.id, onclick: () => checkIn(s) }, t("check_in_here"))))
      : [h("li", { class: "notice" }, t("no_stations"))]));
  };
  const pos = positionWidget(async (fix) => {
    showStations(fix);
    if (!navigator.onLine) return;
    try {
      const data = await api.call("GET", `stations/nearby?lon=${fix.lon}&lat=${fix.lat}&radius_m=5000`);
      store("nearby", data);
      showStations(fix);
    } catch (err) { if (err instanceof api.AuthLost) ctx.app.sessionLost(); }
  });
  const checkIn = async (station) => {
    const fix = pos.state.fix;
    if (!fix) { resultCard.hidden = false; result.textContent = t("save_needs_position"); return; }
    const payload = {
      client_uuid: api.uuid4(), station_id: station.id, crs: "wgs84",
      location: { type: "Point", coordinates: [fix.lon, fix.lat] }, accuracy_m: fix.accuracy_m,
      recorded_at: localIso(), mock_location: false,
    };
    lastUuid = payload.client_uuid;
    await outbox.add("checkin", payload, { station_name: station.name });
    resultCard.hidden = false;
    resultCard.dataset.uuid = lastUuid;
    result.textContent = `${station.name}: ${t("checkin_waiting")}`;
    ctx.app.requestBackgroundSync();
    await ctx.app.flushNow();
  };
  statusLine = async () => {
    if (!lastUuid || document.body.dataset.screen !== "checkin") return;
    const record = await outbox.get(lastUuid);
    result.textContent = `${record.station_name}: ${checkinResult(record)}`;
    resultCard.dataset.state = record.state;
    if (record.answer && record.answer.inside_geofence !== undefined) resultCard.dataset.inside = String(record.answer.inside_geofence);
  };
  main.append(pos.box, resultCard, h("h2", { class: "section" }, t("stations_nearby")), list);
  showStations(null);
}

// --- outbox ---------------------------------------------------------------------------------
const FIELD_LABELS = ["households", "notes", "recorded_at", "location", "text", "citizen_contact"];
function reasonList(record) {
  const items = [];
  if (record.message) items.push(h("li", {}, record.message));
  for (const [field, err] of Object.entries(record.errors || {})) {
    const name = FIELD_LABELS.includes(field) ? t(`field_${field}`) : field;
    items.push(h("li", {}, `${name}: ${(err && err.message) || ""}`));
  }
  return items.length ? h("div", { class: "reason", role: "alert" }, h("strong", {}, t("reason")), h("ul", {}, items)) : null;
}

function summary(r) {
  const p = r.payload;
  if (r.type === "visit") return `${label("kinds", p.kind)} · ${p.households} ${t("households")}${p.notes ? ` · ${p.notes.slice(0, 30)}` : ""}`;
  if (r.type === "opinion") return `${label("categories", p.category)} · ${p.text.slice(0, 40)}`;
  return `${r.station_name || ""} ${r.answer ? checkinResult(r) : ""}`;
}

function opinionEditor(r, ctx) {
  const p = r.payload;
  const category = select("category", catalog().categories, p.category);
  const text = h("textarea", { name: "opinion_text", rows: 3, value: p.text });
  const phone = h("input", { name: "citizen_contact", type: "tel", value: p.citizen_contact || "", disabled: !p.contact_consent });
  const form = h("form", { class: "editor" }, h("label", {}, t("category"), category), h("label", {}, t("opinion_text"), text),
    p.contact_consent ? h("label", {}, t("citizen_phone"), phone) : null,
    h("button", { class: "btn primary", type: "submit" }, t("correct_resend")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await outbox.resend(r.uuid, { ...p, category: category.value, text: text.value.trim(), citizen_contact: p.contact_consent ? phone.value.trim() : "" });
    ctx.app.flushNow(); ctx.app.go("outbox");
  });
  return form;
}

function outboxRow(r, ctx, me, visits) {
  const state = r.state === "pending" && r.type === "opinion" && r.visit_uuid ? "pending" : r.state;
  const actions = [];
  if (r.state === "rejected" || r.state === "conflict") {
    if (r.type === "visit") actions.push(h("a", { class: "btn primary", href: `#visit?edit=${r.uuid}` }, t("correct_resend")));
    else if (r.type === "opinion") actions.push(opinionEditor(r, ctx));
    else actions.push(h("button", { class: "btn", type: "button", onclick: async () => { await outbox.resend(r.uuid, r.payload); ctx.app.flushNow(); ctx.app.go("outbox"); } }, t("resend")));
  }
  return h("li", { class: `record state-${state}`, "data-uuid": r.uuid, "data-type": r.type, "data-state": r.state },
    h("div", { class: "record-head" }, h("strong", {}, t(`kind_${r.type}`)),
      h("span", { class: `badge badge-${r.state}` }, t(`st_${r.state}`))),
    h("p", {}, summary(r)),
    h("small", { class: "muted" }, formatTime(r.payload.recorded_at || r.created_at)),
    r.user_id !== me ? h("small", { class: "muted" }, ` · ${t("other_user")}`) : null,
    r.type === "opinion" && r.visit_uuid && outbox.OPEN_STATES.has(r.state)
      && !(visits.get(r.visit_uuid) || {}).server_id ? h("small", { class: "muted waits" }, ` · ${t("st_waiting_visit")}`) : null,
    r.state === "rejected" || r.state === "conflict" ? reasonList(r) : null,
    ...actions);
}

async function outboxScreen(main, ctx) {
  const list = h("ul", { id: "outbox-list", class: "list records" });
  main.append(list);
  const me = (api.currentUser() || {}).id;
  const draw = async () => {
    if (document.body.dataset.screen !== "outbox") return;
    const rows = (await outbox.all()).reverse();
    list.dataset.count = String(rows.length);
    const visits = new Map(rows.filter((r) => r.type === "visit").map((r) => [r.uuid, r]));
    list.replaceChildren(...(rows.length ? rows.map((r) => outboxRow(r, ctx, me, visits)) : [h("li", { class: "notice" }, t("empty_outbox"))]));
  };
  statusLine = draw;
  await draw();
}

// --- my opinions ----------------------------------------------------------------------------
/** The deputy's answer to the citizen: sent at once, it needs the network (the loop's status
 * decides on the server whether it is still possible, so it is not queued blind). */
function answerForm(o, ctx) {
  const text = h("textarea", { name: "answer", rows: 4, required: true, maxLength: 2000 });
  const message = h("p", { class: "error", role: "alert" });
  const send = h("button", { class: "btn primary", type: "submit" }, t("send_answer"));
  const form = h("form", { class: "editor answer-form", hidden: true },
    h("label", {}, t("answer_to_citizen"), text), message, send,
    h("button", { class: "btn ghost", type: "button", onclick: () => { form.hidden = true; open.hidden = false; } }, t("cancel")));
  const open = h("button", { class: "btn primary", type: "button", "data-action": "answer",
    onclick: () => { form.hidden = false; open.hidden = true; text.focus(); } }, t("answer_citizen"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    if (!text.value.trim()) { message.textContent = t("answer_required"); return; }
    if (!navigator.onLine) { message.textContent = t("answer_needs_network"); return; }
    send.disabled = true;
    try {
      await api.call("POST", `opinions/${o.id}/answer`, { answer: text.value.trim() });
    } catch (err) {
      send.disabled = false;
      if (err instanceof api.AuthLost) { ctx.app.sessionLost(); return; }
      if (err instanceof api.NetworkError) { message.textContent = t("answer_needs_network"); return; }
      const field = err.body && err.body.errors && err.body.errors.answer;
      message.textContent = (field && field.message) || err.message;
      return;
    }
    ctx.app.go("opinions");
  });
  return [open, form];
}

function opinionRow(o, ctx) {
  const times = [formatTime(o.recorded_at), o.due_at ? t("due", { t: formatTime(o.due_at) }) : null, o.citizen_contact || null];
  return h("li", { class: `record status-${o.status}`, "data-id": o.id, "data-status": o.status },
    h("div", { class: "record-head" }, h("strong", {}, label("categories", o.category)),
      h("span", { class: `badge status-${o.status}` }, label("statuses", o.status))),
    h("p", {}, o.text),
    h("small", { class: "muted" }, times.filter(Boolean).join(" · ")),
    o.handler ? h("p", { class: "handler" }, t("handled_by", { h: o.handler })) : null,
    o.answer ? h("p", { class: "answer" }, h("strong", {}, t("answer_label")), o.answer) : null,
    o.rating ? h("p", { class: "rating" }, t("rating", { n: o.rating })) : null,
    ...(o.can_answer ? answerForm(o, ctx) : []));
}

async function opinions(main, ctx) {
  const list = h("ul", { id: "opinion-list", class: "list records" });
  main.append(list);
  await load("opinions", "opinions?page_size=100", (data) => {
    if (!data) { list.replaceChildren(h("li", { class: "notice" }, t("no_data_yet"))); return; }
    list.dataset.count = String(data.results.length);
    list.replaceChildren(...(data.results.length ? data.results.map((o) => opinionRow(o, ctx))
      : [h("li", { class: "notice" }, t("no_opinions"))]));
  }, ctx);
}

// --- ballots (民生实事项目票决) ---------------------------------------------------------------
/** The secret vote: online only. A ballot is never put in the outbox or cached: it is sent at
 * once, or not at all (the server answers only that this deputy has voted, never what). */
function candidateRow(c, b, onToggle) {
  const box = b.status === "open" && !b.has_voted
    ? h("input", { type: "checkbox", name: "choice", value: String(c.id), onchange: onToggle }) : null;
  const cost = t("cost_yuan", { n: c.estimated_cost_yuan.toLocaleString() });
  const result = b.status === "closed"
    ? h("span", { class: `badge result-${c.result}` }, t(`result_${c.result}`), " · ", t("votes_n", { n: c.votes })) : null;
  return h("li", { class: "candidate", "data-candidate": c.id, "data-result": c.result || "" },
    h("label", { class: "candidate-label check" }, box, h("strong", {}, `${c.position}. ${c.title}`)),
    h("p", {}, c.description), h("small", { class: "muted" }, cost), result);
}

function voteForm(b, ctx) {
  const count = h("p", { class: "muted", "data-role": "count" });
  const message = h("p", { class: "error", role: "alert" });
  const send = h("button", { class: "btn primary", type: "submit" }, t("cast_ballot"));
  const boxes = () => [...form.querySelectorAll("input[name=choice]")];
  const update = () => {
    const n = boxes().filter((x) => x.checked).length;
    count.textContent = t("chosen_of", { n, max: b.max_choices });
    boxes().forEach((x) => { x.disabled = !x.checked && n >= b.max_choices; });
    send.textContent = n ? t("cast_ballot") : t("cast_blank");
    send.disabled = !navigator.onLine;
  };
  const form = h("form", { class: "ballot-form" },
    h("p", { class: "notice online-only" }, t("ballot_online_only")),
    h("p", {}, t("choose_up_to", { max: b.max_choices, min: b.min_choices })),
    h("ul", { class: "list candidates" }, b.candidates.map((c) => candidateRow(c, b, update))),
    count, message, send);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    const choices = boxes().filter((x) => x.checked).map((x) => Number(x.value));
    if (!navigator.onLine) { message.textContent = t("ballot_online_only"); return; }
    if (!window.confirm(choices.length ? t("confirm_ballot", { n: choices.length }) : t("confirm_blank"))) return;
    send.disabled = true;
    try {
      await api.call("POST", `ballots/${b.id}/vote`, { choices });
    } catch (err) {
      send.disabled = false;
      if (err instanceof api.AuthLost) { ctx.app.sessionLost(); return; }
      message.textContent = err instanceof api.NetworkError ? t("ballot_online_only") : err.message;
      return;
    }
    ctx.app.go("ballots");
  });
  window.addEventListener("online", update);
  window.addEventListener("offline", update);
  update();
  return form;
}

function ballotCard(b, ctx) {
  const state = b.status === "closed" ? "closed" : b.has_voted ? "voted" : "open";
  const head = h("div", { class: "record-head" }, h("strong", {}, b.title),
    h("span", { class: `badge ballot-${state}` }, t(`ballot_${state}`)));
  let body;
  if (state === "open") body = voteForm(b, ctx);
  else if (state === "voted") body = h("p", { class: "notice" }, t("ballot_cast_secret"));
  else {
    body = h("div", { class: "ballot-result" },
      h("p", {}, t("turnout", { n: b.turnout, of: b.eligible_count, blank: b.blank_count })),
      b.quorum_met ? null : h("p", { class: "error" }, t("no_quorum")),
      h("ul", { class: "list candidates" }, b.candidates.map((c) => candidateRow(c, b))));
  }
  return h("li", { class: "record ballot", "data-id": b.id, "data-state": state }, head, body);
}

async function ballots(main, ctx) {
  const list = h("ul", { id: "ballot-list", class: "list records" });
  main.append(list);
  let data;
  try {
    data = await api.call("GET", "ballots");
  } catch (err) {
    if (err instanceof api.AuthLost) { ctx.app.sessionLost(); return; }
    list.dataset.count = "0";
    list.replaceChildren(h("li", { class: "notice", id: "ballots-offline" }, t("ballot_online_only")));
    return;
  }
  list.dataset.count = String(data.results.length);
  list.replaceChildren(...(data.results.length ? data.results.map((b) => ballotCard(b, ctx))
    : [h("li", { class: "notice" }, t("no_ballots"))]));
}

// --- duty (值班) and deliberation days (议事) ----------------------------------------------------
/** Attendance and duty days from cached reads; leave, swap and withdraw are sent at once (staff
 * decide them, so a request queued blind could be late): online only, the text kept if not. */
const AHEAD_SHOWN = 8;
const pct = (rate) => (rate === null || rate === undefined ? "–" : `${Math.round(rate * 100)}%`);

function attendanceCard(duty) {
  return h("section", { class: "card", id: "attendance", "data-rate": duty.rate ?? "", "data-present": duty.present, "data-absent": duty.absent, "data-excused": duty.excused },
    h("h2", {}, t("attendance_title", { y: duty.year })),
    h("p", { class: "big", id: "attendance-rate" }, t("attendance_rate", { r: pct(duty.rate) })),
    h("div", { class: "stats" },
      stat("att-present", t("att_present"), duty.present),
      stat("att-excused", t("att_excused"), duty.excused),
      stat("att-absent", t("att_absent"), duty.absent)),
    duty.stations.length > 1
      ? h("ul", { class: "list", id: "attendance-stations" }, ...duty.stations.map((s) =>
        h("li", { class: "muted", "data-station": s.station_id }, `${s.station_name} · ${pct(s.rate)} (${s.present}/${s.present + s.absent})`)))
      : null);
}

function requestForm(day, kind, ctx, onClose) {
  const reason = h("textarea", { name: "reason", rows: 2, maxLength: 500, required: true, "aria-label": t("request_reason"), placeholder: t("request_reason") });
  const mates = day.substitutes || [];
  const substitute = kind === "swap"
    ? h("select", { name: "substitute_id" }, ...mates.map((d) => h("option", { value: String(d.id) }, d.name))) : null;
  const message = h("p", { class: "error", role: "alert" });
  const send = h("button", { class: "btn primary", type: "submit" }, t(kind === "swap" ? "send_swap" : "send_leave"));
  const form = h("form", { class: "editor request-form", "data-kind": kind },
    h("p", { class: "notice online-only" }, t("request_online_only")),
    substitute ? h("label", {}, t("swap_with"), substitute) : null,
    h("label", {}, t("request_reason"), reason), message, send,
    h("button", { class: "btn ghost", type: "button", onclick: onClose }, t("cancel")));
  if (kind === "swap" && !mates.length) { send.disabled = true; message.textContent = t("no_colleagues"); }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    if (!reason.value.trim()) { message.textContent = t("reason_required"); reason.focus(); return; }
    if (!navigator.onLine) { message.textContent = t("request_online_only"); return; }
    const body = { kind, station_id: day.station_id, date: day.date, reason: reason.value.trim() };
    if (substitute) body.substitute_id = Number(substitute.value);
    send.disabled = true;
    try {
      await api.call("POST", "me/duty/requests", body);
    } catch (err) {
      send.disabled = false;
      if (err instanceof api.AuthLost) { ctx.app.sessionLost(); return; }
      message.textContent = err instanceof api.ApiRefusal ? err.body.message : t("request_online_only");
      return;
    }
    ctx.app.go("duty");
  });
  return form;
}

function upcomingRow(day, asked, ctx) {
  const li = h("li", { class: "record", "data-date": day.date, "data-station": day.station_id, "data-status": day.status },
    h("div", { class: "record-head" }, h("strong", {}, `${formatTime(day.date, true)} ${day.opens_at}–${day.closes_at}`),
      h("span", { class: "badge" }, t(`day_${day.status}`))),
    h("p", {}, day.station_name));
  const request = asked.get(`${day.station_id}/${day.date}`);
  if (request) { li.append(h("p", { class: "pending" }, `${t(`req_${request.kind}`)} · ${t(`req_${request.status}`)}`)); return li; }
  if (day.status !== "upcoming") return li;
  const buttons = h("div", { class: "actions" });
  const open = (kind) => {
    buttons.hidden = true;
    const form = requestForm(day, kind, ctx, () => { form.remove(); buttons.hidden = false; });
    li.append(form);
    form.querySelector("textarea").focus();
  };
  buttons.append(
    h("button", { class: "btn small", type: "button", "data-action": "leave", onclick: () => open("leave") }, t("ask_leave")),
    h("button", { class: "btn small", type: "button", "data-action": "swap", onclick: () => open("swap") }, t("ask_swap")));
  li.append(buttons);
  return li;
}

function requestRow(r, ctx) {
  const withdraw = r.status === "pending" ? h("button", { class: "btn ghost small", type: "button", "data-action": "withdraw", onclick: async (event) => {
    if (!navigator.onLine) { event.target.textContent = t("request_online_only"); return; }
    event.target.disabled = true;
    try { await api.call("POST", `me/duty/requests/${r.id}/withdraw`); } catch (err) {
      event.target.disabled = false;
      if (err instanceof api.AuthLost) { ctx.app.sessionLost(); return; }
      event.target.textContent = err instanceof api.ApiRefusal ? err.body.message : t("request_online_only");
      return;
    }
    ctx.app.go("duty");
  } }, t("withdraw")) : null;
  return h("li", { class: `record req-${r.status}`, "data-id": r.id, "data-kind": r.kind, "data-status": r.status },
    h("div", { class: "record-head" }, h("strong", {}, `${t(`req_${r.kind}`)} · ${formatTime(r.date, true)}`),
      h("span", { class: `badge req-${r.status}` }, t(`req_${r.status}`))),
    h("p", {}, [r.station.name, r.substitute ? t("swap_to", { n: r.substitute.name }) : null].filter(Boolean).join(" · ")),
    h("small", { class: "muted" }, r.reason),
    r.decision_note ? h("p", { class: "muted" }, t("decision_note", { n: r.decision_note })) : null,
    withdraw);
}

function deliberationRow(d) {
  const overdue = d.actions.filter((a) => a.overdue).length;
  return h("li", { class: `record delib-${d.status}`, "data-id": d.id, "data-status": d.status, "data-upcoming": String(d.upcoming) },
    h("div", { class: "record-head" }, h("strong", {}, `${formatTime(d.date, true)} ${d.opens_at}`),
      h("span", { class: "badge" }, t(`delib_${d.status}`))),
    h("p", {}, [d.station.name, d.place].filter(Boolean).join(" · ")),
    d.topics.length ? h("p", {}, h("strong", {}, t("topics")), d.topics.join("；")) : h("p", { class: "muted" }, t("topics_tba")),
    d.actions.length ? h("ul", { class: "actions-list" }, ...d.actions.map((a) =>
      h("li", { class: a.overdue ? "error" : a.status === "done" ? "ok" : "", "data-overdue": String(a.overdue) },
        `${a.text} · ${a.owner} · ${t(a.status === "done" ? "action_done" : a.overdue ? "action_overdue" : "action_due", { d: formatTime(a.due_on, true) })}`))) : null,
    overdue ? h("small", { class: "error" }, t("actions_overdue_n", { n: overdue })) : null);
}

async function duty(main, ctx) {
  const box = h("div", { id: "duty-screen" });
  const delibs = h("section", { id: "deliberations" });
  main.append(box, delibs);
  const draw = (duty, fresh, at) => {
    if (!duty) { box.replaceChildren(h("p", { class: "notice" }, t("no_data_yet"))); return; }
    box.dataset.fresh = String(fresh);
    const asked = new Map(duty.requests.filter((r) => r.status === "pending" || r.status === "approved")
      .map((r) => [`${r.station.id}/${r.date}`, r]));
    const ahead = duty.days.filter((d) => d.status === "upcoming" || d.status === "open");
    const past = duty.days.filter((d) => d.status !== "upcoming" && d.status !== "open").reverse();
    box.replaceChildren(...[
      fresh ? null : h("p", { class: "muted", id: "duty-offline" }, `${t("offline_cached")} · ${t("data_as_of", { t: formatTime(at) })}`),
      attendanceCard(duty),
      h("h2", { class: "section" }, t("duty_ahead")),
      h("ul", { class: "list records", id: "duty-ahead", "data-count": ahead.length },
        ...(ahead.length ? ahead.map((d, i) => {
          const row = upcomingRow(d, asked, ctx);
          row.hidden = i >= AHEAD_SHOWN;
          return row;
        }) : [h("li", { class: "notice" }, t("duty_none_ahead"))])),
      ahead.length > AHEAD_SHOWN ? h("button", { class: "btn ghost", type: "button", id: "duty-ahead-more", onclick: (event) => {
        document.querySelectorAll("#duty-ahead > li[hidden]").forEach((li) => { li.hidden = false; });
        event.target.remove();
      } }, t("show_all_n", { n: ahead.length })) : null,
      h("h2", { class: "section" }, t("my_requests")),
      h("ul", { class: "list records", id: "duty-requests", "data-count": duty.requests.length },
        ...(duty.requests.length ? duty.requests.map((r) => requestRow(r, ctx)) : [h("li", { class: "muted" }, t("no_requests"))])),
      h("h2", { class: "section" }, t("duty_past")),
      h("ul", { class: "list records", id: "duty-past", "data-count": past.length },
        ...(past.length ? past.map((d) => h("li", { class: `record day-${d.status}`, "data-date": d.date, "data-status": d.status },
          h("div", { class: "record-head" }, h("span", {}, `${formatTime(d.date, true)} · ${d.station_name}`),
            h("span", { class: `badge day-${d.status}` }, t(`day_${d.status}`))))) : [h("li", { class: "muted" }, t("no_past_days"))])),
    ].filter(Boolean));
  };
  const drawDelibs = (data) => {
    const rows = data ? data.results : [];
    delibs.replaceChildren(h("h2", { class: "section" }, t("deliberations_title")),
      h("ul", { class: "list records", id: "deliberation-list", "data-count": rows.length },
        ...(rows.length ? rows.map(deliberationRow) : [h("li", { class: "muted" }, t(data ? "no_deliberations" : "no_data_yet"))])));
  };
  await Promise.all([load("duty", "me/duty", draw, ctx), load("deliberations", "me/deliberations", drawDelibs, ctx)]);
}

// --- record and points (履职档案 · 积分) -------------------------------------------------------
function recordRow(r) {
  const value = r.target ? t("target_of", { v: r.verified, t: r.target }) : String(r.verified);
  return h("li", { class: `record${r.met === false ? " behind" : r.met ? " met" : ""}`, "data-item": r.item, "data-verified": r.verified, "data-met": String(r.met) },
    h("div", { class: "record-head" }, h("strong", {}, r.label), h("span", { class: r.met ? "badge ok" : "badge" }, value)),
    r.pending ? h("small", { class: "pending" }, t("pending_n", { n: r.pending })) : null);
}

function contestForm(line, year, ctx) {
  const reason = h("textarea", { name: "reason", rows: 2, maxLength: 500, "aria-label": t("contest_reason"), placeholder: t("contest_reason") });
  const message = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "contest-form", hidden: true }, reason, message,
    h("button", { class: "btn primary", type: "submit" }, t("send_contest")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!reason.value.trim()) { reason.focus(); return; }
    if (!navigator.onLine) { message.textContent = t("contest_needs_network"); return; }
    try {
      await api.call("POST", "me/points/disputes", { year, source: line.source, ref: line.ref, item: line.item, reason: reason.value.trim() });
    } catch (err) {
      if (err instanceof api.AuthLost) { ctx.app.sessionLost(); return; }
      message.textContent = err instanceof api.ApiRefusal ? err.body.message : t("contest_needs_network");
      return;
    }
    ctx.app.go("record");
  });
  const open = h("button", { class: "btn ghost small contest", type: "button", onclick: () => { form.hidden = false; open.hidden = true; reason.focus(); } }, t("contest"));
  return [open, form];
}

function lineRow(line, labels, year, ctx) {
  const sign = line.points > 0 ? "+" : "";
  return h("li", { class: "record", "data-source": line.source, "data-ref": line.ref, "data-item": line.item, "data-points": line.points },
    h("div", { class: "record-head" }, h("strong", {}, labels[line.item] || line.item),
      h("span", { class: "badge" }, `${sign}${line.points}`)),
    h("small", { class: "muted" }, [formatTime(line.day, true), line.label, line.capped ? t("capped") : null].filter(Boolean).join(" · ")),
    line.dispute ? h("p", { class: "pending", "data-dispute": line.dispute.status }, t(`dispute_${line.dispute.status}`))
      : contestForm(line, year, ctx));
}

async function record(main, ctx) {
  const box = h("div", { id: "record" });
  main.append(box);
  await load("record", "me/record", (data) => {
    if (!data) { box.replaceChildren(h("p", { class: "notice" }, t("no_data_yet"))); return; }
    const labels = Object.fromEntries(data.record.map((r) => [r.item, r.label]));
    const cats = Object.entries(data.points.by_category).map(([c, n]) => `${t(`cat_${c}`)} ${n}`).join(" · ");
    box.dataset.total = String(data.points.total);
    box.replaceChildren(
      h("section", { class: "card" }, h("h2", {}, t("record_title", { y: data.year })),
        h("p", { class: "big", id: "points-total" }, t("points_total", { n: data.points.total })),
        cats ? h("p", { class: "muted" }, cats) : null),
      h("ul", { class: "list records", id: "record-items" }, ...data.record.filter((r) => r.target || r.verified || r.pending).map(recordRow)),
      h("h2", {}, t("points_lines")),
      h("ul", { class: "list records", id: "point-lines", "data-count": data.points.lines.length },
        ...(data.points.lines.length ? data.points.lines.map((l) => lineRow(l, labels, data.year, ctx)) : [h("li", { class: "notice" }, t("no_points"))])));
  }, ctx);
}

export const screens = { login, home, cells, visit, checkin, outbox: outboxScreen, opinions, ballots, record, duty };
