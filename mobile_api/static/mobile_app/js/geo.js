// Position with its accuracy: watch for a few seconds and keep the best fix.
export const POOR_M = 100;
export const FLAGGED_M = 300;
const GOOD_M = 20;
const WAIT_MS = 6000;

let stopCurrent = null;

/** Calls onFix(fix) for each better fix; resolves with the best one after WAIT_MS or a good fix.
 * One watch at a time: a new call ends the previous one (which resolves with what it had). */
export function locate(onFix) {
  if (stopCurrent) stopCurrent();
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) { reject(new Error("no geolocation")); return; }
    let best = null;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      stopCurrent = null;
      navigator.geolocation.clearWatch(watch);
      clearTimeout(timer);
      if (best) resolve(best); else reject(new Error("no fix"));
    };
    stopCurrent = finish;
    const watch = navigator.geolocation.watchPosition(
      (pos) => {
        const fix = {
          lon: pos.coords.longitude, lat: pos.coords.latitude,
          accuracy_m: Math.round(pos.coords.accuracy * 10) / 10, at: pos.timestamp,
        };
        if (!best || fix.accuracy_m <= best.accuracy_m) { best = fix; onFix(fix); }
        if (fix.accuracy_m <= GOOD_M) finish();
      },
      () => { if (!best) finish(); },
      { enableHighAccuracy: true, maximumAge: 0, timeout: WAIT_MS },
    );
    const timer = setTimeout(finish, WAIT_MS);
  });
}

/** Great-circle distance in metres (haversine, mean earth radius): list ordering only. */
export function distanceM(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2
    + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
}

/** ISO 8601 with the device's UTC offset, e.g. 2026-12-02T09:30:00+08:00. */
export function localIso(date = new Date()) {
  const pad = (n) => String(Math.abs(n)).padStart(2, "0");
  const off = -date.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T`
    + `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
    + `${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

export function centroid(geometry) {
  const ring = geometry.type === "Polygon" ? geometry.coordinates[0] : geometry.coordinates[0][0];
  const pts = ring.slice(0, -1);
  return {
    lon: pts.reduce((s, p) => s + p[0], 0) / pts.length,
    lat: pts.reduce((s, p) => s + p[1], 0) / pts.length,
  };
}
