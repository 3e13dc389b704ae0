// The outbox: an append-only IndexedDB store of what the deputy recorded, each with a state.
// Records are never deleted; uploading only moves their state forward. Retries are harmless
// because every record keeps its client_uuid (the server answers `duplicate` for a re-send).
import { call, currentUser, ApiRefusal, AuthLost, NetworkError } from "./api.js";

const DB = "daibiao-outbox";
const STORE = "records";
const BATCH = 100;
export const OPEN_STATES = new Set(["pending", "sending"]);
const listeners = new Set();
let dbPromise = null;

function db() {
  dbPromise = dbPromise || new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => {
      const store = req.result.createObjectStore(STORE, { keyPath: "uuid" });
      store.createIndex("created", "created_at");
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return dbPromise;
}

async function tx(mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction(STORE, mode);
    const result = fn(t.objectStore(STORE));
    t.oncomplete = () => resolve(result && "result" in result ? result.result : result);
    t.onerror = () => reject(t.error);
  });
}

export async function all() {
  const rows = await tx("readonly", (s) => s.index("created").getAll());
  return rows;
}
export const get = (uuid) => tx("readonly", (s) => s.get(uuid));
async function put(record) {
  record.updated_at = new Date().toISOString();
  await tx("readwrite", (s) => s.put(record));
  listeners.forEach((fn) => fn());
}
export function onChange(fn) { listeners.add(fn); }

/** Append a record (type visit | opinion | checkin) for the current user, waiting to upload. */
export async function add(type, payload, extra = {}) {
  const user = currentUser();
  const record = {
    uuid: payload.client_uuid, type, payload, user_id: user && user.id,
    state: "pending", attempts: 0, created_at: new Date().toISOString(), ...extra,
  };
  await put(record);
  return record;
}

/** Put a corrected rejected (or conflicting) record back in the queue, same client_uuid. */
export async function resend(uuid, payload) {
  const record = await get(uuid);
  record.payload = payload;
  record.state = "pending";
  record.errors = null; record.message = null;
  await put(record);
}

export async function waitingCount() {
  const user = currentUser();
  return (await all()).filter((r) => OPEN_STATES.has(r.state) && (!user || r.user_id === user.id)).length;
}

// Personal data of residents leaves the phone once the server has the record.
function scrub(record) {
  if (record.type === "opinion") record.payload = { ...record.payload, citizen_contact: "" };
  if (record.type === "visit") record.payload = { ...record.payload, household_ref: "" };
}

function settle(record, status, answer) {
  // A `duplicate` after an attempt whose answer never arrived is our own earlier upload.
  const ours = status === "duplicate" && record.attempts > 1;
  record.state = ours ? "uploaded" : { created: "uploaded" }[status] || status;
  record.server_id = answer.id ?? record.server_id;
  record.answer = answer;
  record.errors = answer.errors || null;
  record.message = answer.message || null;
  if (record.state === "uploaded" || record.state === "duplicate") scrub(record);
}

async function uploadVisits(records) {
  for (let i = 0; i < records.length; i += BATCH) {
    const batch = records.slice(i, i + BATCH);
    for (const r of batch) { r.state = "sending"; r.attempts += 1; await put(r); }
    let answer;
    try {
      answer = await call("POST", "visits/sync", { crs: "wgs84", records: batch.map((r) => r.payload) });
    } catch (err) {
      for (const r of batch) { r.state = "pending"; await put(r); }
      throw err;
    }
    for (const result of answer.results) {
      const r = batch[result.index];
      settle(r, result.status, result);
      if (result.status === "rejected") r.message = null;
      await put(r);
    }
  }
}

async function uploadOne(record, path, payload) {
  record.state = "sending"; record.attempts += 1; await put(record);
  try {
    const answer = await call("POST", path, payload);
    settle(record, answer.result || "created", answer);
  } catch (err) {
    if (err instanceof ApiRefusal) {
      record.state = err.status === 409 ? "conflict" : "rejected";
      record.errors = err.body.errors || null;
      record.message = err.body.message;
    } else {
      record.state = "pending";
      await put(record);
      throw err;
    }
  }
  await put(record);
}

let running = null;
let again = false;

/** Upload everything waiting for the current user. Throws NetworkError / AuthLost to the caller.
 * A call during an upload runs one more round afterwards (records saved meanwhile go too). */
export function flush() {
  if (running) { again = true; return running; }
  running = (async () => {
    let uploaded = 0;
    do {
      again = false;
      uploaded += (await doFlush()).uploaded;
    } while (again);
    return { uploaded };
  })().finally(() => { running = null; });
  return running;
}

async function doFlush() {
  const user = currentUser();
  if (!user) return { uploaded: 0 };
  const mine = (await all()).filter((r) => r.user_id === user.id);
  // A record left "sending" by a closed app never got its answer: it is simply sent again.
  const open = mine.filter((r) => OPEN_STATES.has(r.state));
  const byUuid = new Map(mine.map((r) => [r.uuid, r]));
  await uploadVisits(open.filter((r) => r.type === "visit"));
  for (const r of open.filter((x) => x.type === "checkin")) await uploadOne(r, "checkins", r.payload);
  for (const r of open.filter((x) => x.type === "opinion")) {
    const payload = { ...r.payload };
    if (r.visit_uuid) {
      const visit = byUuid.get(r.visit_uuid);
      if (!visit || !visit.server_id) continue; // waits for its visit
      payload.visit_id = visit.server_id;
    }
    await uploadOne(r, "opinions", payload);
  }
  return { uploaded: open.length };
}

export { AuthLost, NetworkError };
