/* Station duty (站点值班): pick a station and a month; the duty rule with the preview of its
 * next ten dates (the rhythm API, unsaved rules previewed from the form), the month's rota
 * (staff add and remove deputies), the leave and swap requests to decide, attendance and the
 * reception sessions (staff record the citizens received). Reads and writes the map data API
 * only (config.urls); data reaches the DOM as text (cg.h).
 *
 * Testability: #duty-page[data-ready] counts finished loads; rota days are
 * li[data-date] with chips span[data-deputy]; requests li[data-id][data-status]. */
(function () {
  "use strict";
  var cg = window.cg, config = cg.config, S = cg.S, $ = cg.$, h = cg.h;
  var page = $("duty-page"), stationSelect = $("duty-station"), monthInput = $("duty-month");
  var form = $("duty-rule-form");
  var message = cg.notifier("duty-message", { ms: 4000, keepErrors: true });
  var loads = 0;

  function fmt(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; });
  }
  function station() { return stationSelect.value; }
  function month() { return monthInput.value; }
  function fail(err) { message(S.failed + ": " + err.message, true); }
  function done() { loads += 1; page.dataset.ready = String(loads); }
  function levels(p) {
    return (p.levels || []).map(function (l) { return S["level_" + l] || l; }).join("·");
  }
  function weekdayOf(iso) {
    var d = new Date(iso + "T00:00:00");
    return d.toLocaleDateString(cg.lang(), { weekday: "short" });
  }
  function dayLabel(iso) { return iso + " " + weekdayOf(iso); }

  /* ---- the duty rule and its preview ---- */
  function showFields() {
    var kind = form.elements.kind.value;
    form.querySelectorAll("[data-for]").forEach(function (el) {
      el.hidden = el.dataset.for !== kind;
    });
  }

  function ruleFromForm() {
    var f = form.elements, kind = f.kind.value;
    var rule = {
      kind: kind, opens_at: f.opens_at.value, closes_at: f.closes_at.value,
      holiday_policy: f.holiday_policy.value, deputies_per_day: f.deputies_per_day.value,
    };
    if (kind === "day_digit") { rule.digit = f.digit.value; }
    if (kind === "nth_weekday") { rule.nth = f.nth.value; rule.weekday = f.weekday.value; }
    if (kind === "half_month") { rule.month_day = f.month_day.value; }
    if (kind === "weekdays") {
      rule.weekdays = Array.prototype.filter.call(form.querySelectorAll("[name=weekdays]"),
        function (c) { return c.checked; }).map(function (c) { return c.value; }).join(",");
    }
    if (kind === "dates") { rule.dates = f.dates.value.replace(/\s+/g, ""); }
    return rule;
  }

  function fillForm(rule) {
    if (!rule) { return; }
    var f = form.elements;
    f.kind.value = rule.kind;
    if (rule.digit !== null) { f.digit.value = rule.digit; }
    if (rule.nth !== null) { f.nth.value = rule.nth; }
    if (rule.weekday !== null) { f.weekday.value = rule.weekday; }
    if (rule.month_day !== null) { f.month_day.value = rule.month_day; }
    form.querySelectorAll("[name=weekdays]").forEach(function (c) {
      c.checked = rule.weekdays.indexOf(Number(c.value)) >= 0;
    });
    f.dates.value = (rule.dates || []).join(", ");
    f.opens_at.value = rule.opens_at;
    f.closes_at.value = rule.closes_at;
    f.holiday_policy.value = rule.holiday_policy;
    f.deputies_per_day.value = rule.deputies_per_day === null ? "" : rule.deputies_per_day;
    showFields();
  }

  function showRhythm(data, fill) {
    cg.setText("duty-rule-text", data.rule ? data.rule.text : S.noRule);
    if (fill) { fillForm(data.rule); }
    cg.fill("duty-preview-list", data.occurrences.length ? data.occurrences.map(function (o) {
      var note = o.adjustment === "moved" ? fmt(S.moved, { day: o.scheduled })
        : o.adjustment === "skipped" ? fmt(S.skipped, { holiday: o.holiday || "" }) : "";
      return h("li", { dataset: { date: o.date || o.scheduled, adjustment: o.adjustment } }, [
        dayLabel(o.date || o.scheduled), note && h("span", { class: "muted" }, note),
      ]);
    }) : cg.emptyItem(S.noRule));
  }

  function loadRhythm(preview) {
    var params = preview ? ruleFromForm() : {};
    return cg.api(cg.url("rhythm", params, { id: station() })).then(function (data) {
      showRhythm(data, !preview);
    });
  }

  /* ---- the rota ---- */
  function changeRota(day, deputyId, action) {
    return cg.api(cg.url("rota", {}, { id: station() }), {
      method: "POST", body: { date: day, deputy_id: deputyId, action: action },
    }).then(function (data) { showRota(data); message(S.saved); loadAttendance(); }, fail);
  }

  function showRota(data) {
    var members = data.members || [];
    cg.fill("duty-rota", data.days.length ? data.days.map(function (day) {
      var on = {};
      day.deputies.forEach(function (p) { on[p.id] = true; });
      var chips = day.deputies.map(function (p) {
        var cls = "duty-chip" + (p.added ? " added" : "") + (p.leave ? " leave" : "");
        var title = [p.added ? S.added : "", p.leave ? S.onLeave : ""].filter(Boolean).join(" · ");
        return h("span", { class: cls, dataset: { deputy: p.id }, title: title || null }, [
          p.name, levels(p) && h("span", { class: "lvl" }, levels(p)),
          p.leave && h("span", { class: "lvl" }, S.onLeave),
          config.canAct && h("button", {
            type: "button", "aria-label": S.remove + " " + p.name,
            click: function () { changeRota(day.date, p.id, "remove"); },
          }, "×"),
        ]);
      });
      var free = members.filter(function (m) { return !on[m.id]; });
      var add = null;
      if (config.canAct && free.length) {
        var select = h("select", { "aria-label": S.add + " " + day.date },
          free.map(function (m) { return h("option", { value: m.id }, m.name); }));
        add = h("div", { class: "duty-add" }, [select, h("button", {
          type: "button", class: "btn",
          click: function () { changeRota(day.date, Number(select.value), "add"); },
        }, S.add)]);
      }
      return h("li", { dataset: { date: day.date } }, [
        h("div", { class: "duty-day-head" }, [
          h("span", null, dayLabel(day.date)),
          h("span", { class: "muted" }, (day.opens_at || "") + "–" + (day.closes_at || "")),
        ]),
        h("div", { class: "duty-chips" }, chips.length ? chips : h("span", { class: "muted" }, S.noDeputies)),
        add,
      ]);
    }) : cg.emptyItem(S.noDays));
  }

  function loadRota() {
    return cg.api(cg.url("rota", { month: month() }, { id: station() })).then(showRota);
  }

  /* ---- requests ---- */
  function decide(row, decision) {
    return cg.api(cg.url("dutyDecide", {}, { id: row.id }), {
      method: "POST", body: { decision: decision },
    }).then(function () { message(S.saved); return Promise.all([loadRequests(), loadRota(), loadAttendance()]); }, fail);
  }

  function loadRequests() {
    return cg.api(cg.url("dutyRequests", { station: station(), status: "pending" })).then(function (data) {
      cg.setText("duty-requests-count", data.results.length);
      cg.fill("duty-requests-list", data.results.length ? data.results.map(function (r) {
        var what = r.kind === "swap" && r.substitute ? fmt(S.swapTo, { name: r.substitute.name }) : S.leave;
        return h("li", { dataset: { id: r.id, status: r.status } }, [
          h("div", { class: "duty-day-head" }, [h("span", null, r.deputy.name + " · " + what),
            h("span", { class: "muted" }, dayLabel(r.date))]),
          h("div", { class: "muted" }, r.reason),
          config.canAct && h("div", { class: "duty-actions" }, [
            h("button", { type: "button", class: "btn btn-primary", dataset: { decision: "approve" },
              click: function () { decide(r, "approve"); } }, S.approve),
            h("button", { type: "button", class: "btn", dataset: { decision: "refuse" },
              click: function () { decide(r, "refuse"); } }, S.refuse),
          ]),
        ]);
      }) : cg.emptyItem(S.noRequests));
    });
  }

  /* ---- attendance and receptions ---- */
  function pct(rate) { return rate === null ? "–" : cg.fmtPct(rate * 100); }

  function loadAttendance() {
    return cg.api(cg.url("attendance", { month: month() }, { id: station() })).then(function (a) {
      cg.setText("duty-att-tally", [S.att_present + " " + a.present, S.att_excused + " " + a.excused,
        S.att_absent + " " + a.absent, S.rate + " " + pct(a.rate)].join(" · "));
      cg.fill($("duty-att-table").tBodies[0], a.deputies.map(function (d) {
        return h("tr", { dataset: { deputy: d.id } }, [h("td", null, d.name), h("td", null, String(d.present)),
          h("td", null, String(d.excused)), h("td", null, String(d.absent)), h("td", null, pct(d.rate))]);
      }));
    });
  }

  function recordReception(day, input) {
    return cg.api(cg.url("receptions", {}, { id: station() }), {
      method: "POST", body: { date: day, citizens_received: Number(input.value) },
    }).then(function (data) { showReceptions(data); message(S.saved); }, fail);
  }

  function showReceptions(r) {
    cg.setText("duty-rec-tally", [S.held + " " + r.held + "/" + r.sessions,
      S.citizens + " " + r.citizens_received, S.opinions + " " + r.opinions].join(" · "));
    cg.fill("duty-receptions", r.receptions.length ? r.receptions.map(function (s) {
      var input = config.canAct && h("input", { type: "number", min: "0", max: "100000",
        class: "duty-count", value: s.citizens_received, "aria-label": S.citizens + " " + s.date });
      return h("li", { dataset: { date: s.date } }, [
        h("div", { class: "duty-day-head" }, [h("span", null, dayLabel(s.date)),
          h("span", { class: "muted" }, s.held ? S.held : S.notHeld)]),
        h("div", { class: "duty-actions" }, [
          input || h("span", null, S.citizens + " " + s.citizens_received),
          input && h("button", { type: "button", class: "btn", click: function () { recordReception(s.date, input); } }, S.save),
          h("span", { class: "muted" }, S.opinions + " " + s.opinions),
        ]),
      ]);
    }) : cg.emptyItem(S.noReceptions));
  }

  function loadReceptions() {
    return cg.api(cg.url("receptions", { month: month() }, { id: station() })).then(showReceptions);
  }

  function loadAll() {
    if (!station()) { return; }
    var url = new URL(window.location.href);
    url.searchParams.set("station", station());
    url.searchParams.set("month", month());
    window.history.replaceState(null, "", url.toString());
    Promise.all([loadRhythm(false), loadRota(), loadRequests(), loadAttendance(), loadReceptions()])
      .then(done, function (err) { fail(err); done(); });
  }

  /* ---- start ---- */
  var params = new URLSearchParams(window.location.search);
  var now = new Date();
  monthInput.value = params.get("month") ||
    now.getFullYear() + "-" + String(now.getMonth() + 1).padStart(2, "0");
  form.elements.kind.addEventListener("change", showFields);
  $("duty-preview").addEventListener("click", function () { loadRhythm(true).catch(fail); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    cg.api(cg.url("rhythm", {}, { id: station() }), { method: "POST", body: { rule: ruleFromForm() } })
      .then(function (data) { showRhythm(data, true); message(S.saved); loadRota(); }, fail);
  });
  stationSelect.addEventListener("change", loadAll);
  monthInput.addEventListener("change", loadAll);
  showFields();
  cg.api(cg.url("stations", { region: config.region.adcode })).then(function (fc) {
    var features = fc.features.slice().sort(function (a, b) {
      return a.properties.name.localeCompare(b.properties.name, "zh-CN");
    });
    if (!features.length) { message(S.noStations); done(); return; }
    cg.fill(stationSelect, features.map(function (f) {
      return h("option", { value: f.id }, f.properties.name);
    }));
    var wanted = params.get("station");
    if (wanted && features.some(function (f) { return String(f.id) === wanted; })) {
      stationSelect.value = wanted;
    }
    loadAll();
  }, function (err) { fail(err); done(); });
})();
