/* Opinion handling (意见办理): the work list from /api/map/v1/opinions (overdue first), status
 * chips with counts, an overdue-only toggle and "load more"; a detail panel with the history and
 * the actions the opinion's status allows (config.allowedFrom, the service's own table). After an
 * action the row and the counts refresh in place; live opinion events refresh them too.
 *
 * Graded handling: forward/refer pick a department record (config.departments, the opinion's
 * county); a department account (config.isDepartment) sees only what is referred to it and
 * only the actions in config.actions. SLA states (overdue, due soon, on time) mark the rows.
 *
 * Testability: each row is li[data-id][data-status][data-sla]; the detail panel carries
 * data-id, data-status and data-sla. */
(function () {
  "use strict";
  var cg = window.cg, config = cg.config, S = cg.S, $ = cg.$, h = cg.h, setText = cg.setText;
  var fmtDateTime = cg.fmtDateTime;

  var state = { status: "", overdue: false, offset: 0, count: 0, selected: null, rows: {} };
  var miniMap = null, miniMarker = null;

  function truncate(text, n) {
    text = String(text || "").replace(/\s+/g, " ").trim();
    return text.length > n ? text.slice(0, n) + "…" : text;
  }

  function place(row) {
    var township = config.townships[String(row.adcode || "").slice(0, 9)];
    return [township, row.cell_code].filter(Boolean).join(" · ") || row.adcode || "–";
  }

  function statusLabel(status) { return S["status_" + status] || status; }
  function categoryLabel(category) { return S["category_" + category] || category; }

  var message = cg.notifier("op-message", { ms: 5000, keepErrors: true });

  /* ---- the list ---- */
  function listUrl(offset, limit) {
    return cg.url("opinions", {
      region: config.region.adcode, status: state.status, overdue: state.overdue ? "1" : "",
      limit: limit, offset: offset,
    });
  }

  function renderCounts(counts) {
    var open = (counts.registered || 0) + (counts.forwarded || 0) + (counts.handling || 0) +
      (counts.rehandling || 0);
    document.querySelectorAll("[data-count]").forEach(function (el) {
      var key = el.dataset.count;
      el.textContent = cg.fmtInt(key === "open" ? open : counts[key] || 0);
    });
  }

  function rowContent(row) {
    var due = row.due_at
      ? h("span", { class: "op-due" }, S.dueAt + " " + fmtDateTime(row.due_at))
      : h("span", { class: "op-due muted" }, S.noDue);
    return [
      h("div", { class: "op-row-top" }, [
        h("span", { class: "op-cat" }, categoryLabel(row.category)),
        h("span", { class: "op-status op-status-" + row.status }, statusLabel(row.status)),
        row.overdue && h("span", { class: "op-overdue" }, S.overdueBadge),
        row.sla === "due_soon" && h("span", { class: "op-due-soon" }, S.dueSoon),
      ]),
      h("div", { class: "op-row-text" }, truncate(row.text, 80)),
      h("div", { class: "op-row-meta" }, [
        h("span", null, place(row)), due, row.citizen_contact && h("span", null, row.citizen_contact),
      ]),
    ];
  }

  function renderRow(row, li) {
    li = li || document.createElement("li");
    li.className = "op-row" + (row.overdue ? " is-overdue" : "") +
      (state.selected === row.id ? " selected" : "");
    li.dataset.id = String(row.id);
    li.dataset.status = row.status;
    li.dataset.sla = row.sla || "";
    li.tabIndex = 0;
    li.setAttribute("role", "button");
    cg.fill(li, rowContent(row));
    state.rows[row.id] = row;
    return li;
  }

  function load(reset) {
    var offset = reset ? 0 : state.offset;
    var button = $("op-load-more");
    button.disabled = true;
    return cg.api(listUrl(offset, config.pageSize)).then(function (data) {
      var ul = $("op-list");
      if (reset) { cg.fill(ul, []); state.rows = {}; }
      renderCounts(data.counts || {});
      state.count = data.count;
      (data.results || []).forEach(function (row) { ul.appendChild(renderRow(row)); });
      state.offset = offset + (data.results || []).length;
      if (!ul.children.length) {
        ul.appendChild(cg.emptyItem(S.noOpinions, "op-empty"));
      }
      $("op-shown").textContent = S.shownOf
        .replace("%(shown)s", cg.fmtInt(state.offset)).replace("%(count)s", cg.fmtInt(state.count));
      button.hidden = state.offset >= state.count;
    }).catch(function (err) {
      message(S.loadFailed + ": " + err.message, true);
    }).then(function () { button.disabled = false; });
  }

  function refreshCounts() {
    return cg.api(listUrl(0, 1)).then(function (data) {
      renderCounts(data.counts || {});
    }).catch(function () { /* the list keeps its last counts */ });
  }

  function setFilter(status, overdue) {
    state.status = status;
    state.overdue = overdue;
    document.querySelectorAll("#op-status-chips button").forEach(function (b) {
      b.classList.toggle("active", b.dataset.status === status);
      b.setAttribute("aria-pressed", b.dataset.status === status ? "true" : "false");
    });
    load(true);
  }

  /* ---- the detail panel ---- */
  function renderHistory(history) {
    cg.fill("op-d-history", (history || []).map(function (step) {
      var what = step.action ? S["action_" + step.action] || step.action : S.registeredStep;
      var change = step.from_status && step.from_status !== step.to_status
        ? statusLabel(step.from_status) + " → " + statusLabel(step.to_status)
        : statusLabel(step.to_status);
      return h("li", null, [
        h("time", null, fmtDateTime(step.at)),
        h("div", null, [
          h("b", null, what), " ", h("span", { class: "muted" }, change),
          step.rating ? [" ", h("span", { class: "op-stars" }, stars(step.rating))] : null,
          step.by ? [" ", h("span", { class: "muted" }, "· " + step.by)] : null,
          // The registration's note is a fixed English marker written by the service, not a
          // person's words: the step's label says it already.
          step.note && step.action && h("div", { class: "op-note" }, step.note),
        ]),
      ]);
    }));
  }

  function stars(n) { return n ? "★★★★★".slice(0, n) + "☆☆☆☆☆".slice(0, 5 - n) + " " + n : ""; }

  /* The forms are cleared only when the opinion or its status changes: a re-render for a live
   * event or a re-selection must not wipe an answer the staff member is typing. */
  var shownActions = "";
  function renderActions(op) {
    var section = $("op-actions");
    if (!section) { return; }  // leaders read only: the page has no action forms
    var key = op.id + ":" + op.status, changed = key !== shownActions;
    shownActions = key;
    var any = false;
    section.querySelectorAll("form[data-action]").forEach(function (form) {
      var allowed = config.actions.indexOf(form.dataset.action) >= 0 &&
        (config.allowedFrom[form.dataset.action] || []).indexOf(op.status) >= 0;
      form.hidden = !allowed;
      any = any || allowed;
      if (changed) { form.reset(); fillDepartments(form, op); }
    });
    $("op-no-actions").hidden = any;
  }

  /* The department choices of a form: those of the opinion's county, the current one left out
   * of "refer"; the first option ("named below") stays for forward. */
  function fillDepartments(form, op) {
    var select = form.querySelector("select[data-departments]");
    if (!select) { return; }
    var keep = form.dataset.action === "forward" ? select.options[0] : null;
    cg.fill(select, [keep].concat((config.departments || []).filter(function (d) {
      return d.county_adcode === op.county_adcode && d.id !== op.department_id;
    }).map(function (d) {
      return h("option", { value: String(d.id) }, d.name + " · " + (S["level_" + d.level] || d.level));
    })));
  }

  function renderMap(op) {
    var el = $("op-map");
    // A department account reads no region: no grid map for it.
    if (config.isDepartment || op.lon === null || op.lon === undefined || !window.L) {
      el.hidden = true;
      return;
    }
    el.hidden = false;
    var at = [op.lat, op.lon];
    if (!miniMap) {
      // No base map (no external tiles): the grid cells around it, coloured by coverage.
      miniMap = L.map(el, { zoomControl: true, attributionControl: false, zoomSnap: 1 });
      miniMap.setView(at, 14, { animate: false });
      cg.countyOutlines(miniMap);
      cg.cells = new cg.CellLayer(miniMap, {});
      miniMarker = L.circleMarker(at, {
        radius: 8, color: "#fff", weight: 3, fillColor: "#ae3ec9", fillOpacity: 1,
      }).addTo(miniMap);
    }
    miniMap.invalidateSize();
    miniMarker.setLatLng(at);
    miniMap.setView(at, 14, { animate: false });
  }

  /* Similar open cases (≤ 200 m, same category, 30 days): staff may close this one as their
   * duplicate; its citizen then follows that case. */
  function renderSimilar(op) {
    var canLink = config.actions.indexOf("link") >= 0 &&
      (config.allowedFrom.link || []).indexOf(op.status) >= 0;
    var rows = (op.similar || []);
    $("op-similar").hidden = !rows.length;
    $("op-similar").dataset.count = String(rows.length);
    cg.fill("op-similar-list", rows.map(function (s) {
      return h("li", { "data-similar": String(s.id) }, [
        h("span", { class: "op-status op-status-" + s.status }, statusLabel(s.status)), " ",
        h("span", null, truncate(s.text, 40)), " ",
        h("span", { class: "muted" }, s.distance_m + " m"),
        canLink && h("button", { type: "button", class: "btn", "data-link": String(s.id) }, S.linkDuplicate),
      ]);
    }));
    var dup = $("op-d-duplicate");
    dup.hidden = !op.duplicate_of_id;
    dup.textContent = op.duplicate_of_id ? S.duplicateOf.replace("%(id)s", op.duplicate_of_id) : "";
  }

  function renderDetail(op) {
    var pane = $("op-detail");
    pane.hidden = false;
    pane.dataset.id = String(op.id);
    pane.dataset.status = op.status;
    pane.dataset.sla = op.sla || "";
    pane.dataset.renders = String(Number(pane.dataset.renders || 0) + 1);
    setText("op-d-category", categoryLabel(op.category));
    var status = $("op-d-status");
    status.textContent = statusLabel(op.status);
    status.className = "op-status op-status-" + op.status;
    $("op-d-overdue").hidden = !op.overdue;
    setText("op-d-text", op.text);
    setText("op-d-place", place(op));
    setText("op-d-deputy", op.deputy_name || (op.station_name ? "QR · " + op.station_name : null));
    setText("op-d-recorded", fmtDateTime(op.recorded_at));
    setText("op-d-due", op.due_at ? fmtDateTime(op.due_at) : S.noDue);
    $("op-d-calendar").hidden = op.calendar_covered !== false;
    setText("op-d-level", op.level ? S["level_" + op.level] : null);
    setText("op-d-handler", op.handler);
    setText("op-d-answer", op.answer);
    setText("op-d-rating", stars(op.rating));
    setText("op-d-contact", op.citizen_contact || S.noContact);
    renderHistory(op.history);
    renderActions(op);
    renderSimilar(op);
    renderMap(op);
  }

  function select(id, scroll) {
    state.selected = id;
    document.querySelectorAll(".op-row").forEach(function (li) {
      li.classList.toggle("selected", Number(li.dataset.id) === id);
    });
    return cg.api(cg.url("opinion", {}, { id: id })).then(function (op) {
      renderDetail(op);
      if (scroll && window.matchMedia("(max-width: 800px)").matches) {
        $("op-detail").scrollIntoView({ block: "start" });
      }
    }).catch(function (err) { message(S.loadFailed + ": " + err.message, true); });
  }

  /* Update a row after a change: the new status shows in place even when the current filter
   * would now leave it out (it drops out at the next reload of the list). */
  function updateRow(op) {
    var li = document.querySelector(".op-row[data-id='" + op.id + "']");
    if (li) { renderRow(op, li); }
  }

  function actionBody(form) {
    var body = { action: form.dataset.action };
    ["handler", "reason", "answer"].forEach(function (name) {
      if (form.elements[name]) { body[name] = form.elements[name].value; }
    });
    if (form.elements.department && form.elements.department.value) {
      body.department = Number(form.elements.department.value);
    }
    if (form.dataset.action === "rate") {
      var checked = form.querySelector("input[name=rating]:checked");
      body.rating = checked ? Number(checked.value) : null;
    }
    return body;
  }

  function submitAction(ev) {
    ev.preventDefault();
    var form = ev.target;
    post(actionBody(form), form.querySelectorAll("button"));
  }

  function post(body, buttons) {
    var id = state.selected;
    buttons.forEach(function (b) { b.disabled = true; });
    cg.api(cg.url("transitions", {}, { id: id }), { method: "POST", body: body })
      .then(function (op) {
        message.hide();
        renderDetail(op);
        updateRow(op);
        refreshCounts();
        message(S.actionDone.replace("%(action)s", S["action_" + body.action]));
      })
      .catch(function (err) { message(S.actionFailed + ": " + err.message, true); })
      .then(function () { buttons.forEach(function (b) { b.disabled = false; }); });
  }

  /* ---- wiring ---- */
  document.querySelectorAll("[data-action-label]").forEach(function (b) {
    b.textContent = S["action_" + b.dataset.actionLabel];
  });
  document.querySelectorAll("#op-actions form[data-action]").forEach(function (form) {
    form.addEventListener("submit", submitAction);
  });
  document.querySelectorAll("#op-status-chips button").forEach(function (b) {
    b.addEventListener("click", function () { setFilter(b.dataset.status, state.overdue); });
  });
  $("op-overdue").addEventListener("change", function (ev) {
    setFilter(state.status, ev.target.checked);
  });
  $("op-load-more").addEventListener("click", function () { load(false); });
  $("op-similar-list").addEventListener("click", function (ev) {
    var button = ev.target.closest("button[data-link]");
    if (button) { post({ action: "link", duplicate_of: Number(button.dataset.link) }, [button]); }
  });
  $("op-list").addEventListener("click", function (ev) {
    var li = ev.target.closest(".op-row");
    if (li) { select(Number(li.dataset.id), true); }
  });
  $("op-list").addEventListener("keydown", function (ev) {
    var li = ev.target.closest(".op-row");
    if (li && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); select(Number(li.dataset.id), true); }
  });
  $("op-d-close").addEventListener("click", function () {
    $("op-detail").hidden = true;
    state.selected = null;
    document.querySelectorAll(".op-row.selected").forEach(function (li) { li.classList.remove("selected"); });
  });

  // ?overdue=1 (the dashboard's overdue badge) opens the list filtered to the overdue ones
  if (new URLSearchParams(location.search).get("overdue") === "1") {
    state.overdue = true;
    $("op-overdue").checked = true;
  }
  load(true);

  // Someone else's work (another staff member, a deputy's answer) shows up without a reload.
  var changed = {};
  var refreshSoon = cg.debounce(function () {
    var ids = Object.keys(changed).map(Number);
    changed = {};
    refreshCounts();
    ids.forEach(function (id) {
      if (!state.rows[id]) { return; }
      cg.api(cg.url("opinion", {}, { id: id })).then(function (op) {
        updateRow(op);
        if (state.selected === op.id) { renderDetail(op); }
      }).catch(function () { /* gone from the jurisdiction: leave the row */ });
    });
  }, 400);
  cg.live = new cg.Live({
    any: function (event, items) {
      if (event !== "opinion.updated" && event !== "opinion.created") { return; }
      items.forEach(function (item) { changed[item.id] = true; });
      refreshSoon();
    },
  });
})();
