/* Livelihood projects (民生实事项目代表票决制): the calls of the region with their funnel
 * (collected, shortlisted, voted, implemented) and satisfaction against the 90% bar; the
 * selected call's proposals with a button per next form (the reason is required); its ballots:
 * candidates, the tellers' paper counts, closing with an explicit confirmation and the
 * published result with the turnout; the projects on a small map with a legend. Staff open a
 * call (township or county, year, dates) and, on a call's candidates, a ballot (seats fewer
 * than the ticked candidates, minimum choices, quorum, session date).
 *
 * Data reaches the DOM as text only (cg.h). Testability: calls li[data-id], proposals
 * li[data-id][data-stage], #pj-ballot[data-id][data-status], #pj-map[data-features]. */
(function () {
  "use strict";
  var cg = window.cg, config = cg.config, S = cg.S, $ = cg.$, h = cg.h;
  var STATUS_COLORS = {
    candidate: "#868e96", chosen: "#1c7ed6", in_progress: "#f59f00", done: "#2f9e44",
    evaluated: "#7048e8",
  };
  var state = { call: null, ballot: null, calls: [] };
  var message = cg.notifier("pj-message", { ms: 5000, keepErrors: true });

  function fail(err) {
    var text = err.message || String(err);
    message(text + (err.code ? " (" + err.code + ")" : ""), true);
    return err;
  }

  function yuan(n) { return n === null || n === undefined ? "–" : cg.fmtInt(n) + " " + S.yuan; }

  /* ---- calls and the funnel ---- */
  function funnel(call) {
    var f = call.funnel, top = Math.max(f.collected, 1);
    var steps = [
      ["collected", S.funnelCollected], ["shortlisted", S.funnelShortlisted],
      ["voted", S.funnelVoted], ["implemented", S.funnelImplemented],
    ];
    var sat = call.satisfaction;
    return [
      h("ol", { class: "pj-funnel" }, steps.map(function (s) {
        return h("li", { dataset: { step: s[0] } }, [
          h("span", { class: "pj-funnel-label" }, s[1]),
          h("span", { class: "pj-funnel-bar" }, [
            h("span", { style: { width: Math.round(100 * f[s[0]] / top) + "%" } }),
          ]),
          h("b", null, cg.fmtInt(f[s[0]])),
        ]);
      })),
      h("p", { class: "pj-sat" + (sat.meets_bar === false ? " below" : "") },
        sat.pct === null ? S.satisfaction + ": " + S.noEvaluation
          : S.satisfaction + " " + cg.fmtPct(sat.pct) + " (" + S.bar + " " + sat.bar_pct + "%) · " +
            S.deputies + " " + (sat.deputies_pct === null ? "–" : cg.fmtPct(sat.deputies_pct)) + " · " +
            S.citizens + " " + (sat.citizens_pct === null ? "–" : cg.fmtPct(sat.citizens_pct))),
    ];
  }

  function renderCalls() {
    cg.fill("pj-calls", state.calls.length ? state.calls.map(function (call) {
      return h("li", {
        class: "pj-call" + (state.call === call.id ? " active" : ""), dataset: { id: call.id },
      }, [
        h("button", { type: "button", class: "pj-call-title", click: function () { selectCall(call.id); } },
          call.region_name + " · " + call.year + " · " + call.title),
        h("p", { class: "muted pj-dates" }, call.opens_on + " – " + call.closes_on),
        funnel(call),
        h("p", { class: "pj-links" }, [
          h("a", { href: call.public_url, target: "_blank", rel: "noopener", class: "pj-public" }, S.citizenPage),
          " · ",
          h("a", { href: cg.url("callCard", null, { id: call.id }), target: "_blank", rel: "noopener", class: "pj-card" }, S.qrCard),
        ]),
      ]);
    }) : cg.emptyItem(S.noCalls));
  }

  function loadCalls() {
    return cg.api(cg.url("projectCalls")).then(function (data) {
      state.calls = data.results.filter(function (c) {
        return c.adcode.indexOf(config.region.adcode) === 0;
      });
      if (!state.call && state.calls.length) { state.call = state.calls[0].id; }
      renderCalls();
      if (state.call) { return loadCall(); }
    }).catch(fail);
  }

  function selectCall(id) { state.call = id; state.ballot = null; renderCalls(); loadCall(); }

  /* ---- proposals and the five forms ---- */
  function advance(proposal, toStage, input) {
    var reason = input.value.trim();
    if (!reason) { message(S.reasonNeeded, true); input.focus(); return; }
    cg.api(cg.url("proposalAdvance", null, { id: proposal.id }), {
      method: "POST", body: { to_stage: toStage, reason: reason },
    }).then(function () { message(S.moved); return refresh(); }).catch(fail);
  }

  function proposalRow(p) {
    var input = h("input", {
      type: "text", name: "reason", maxlength: 2000, placeholder: S.reasonPlaceholder,
      "aria-label": S.reasonPlaceholder,
    });
    var actions = config.canAct && p.next_stages.length ? h("div", { class: "pj-actions" }, [
      input,
      p.next_stages.map(function (stage) {
        return h("button", {
          type: "button", class: "btn" + (stage === "rejected" ? "" : " btn-primary"),
          dataset: { to: stage }, click: function () { advance(p, stage, input); },
        }, S["to_" + stage] || stage);
      }),
    ]) : null;
    var facts = [yuan(p.estimated_cost_yuan), S["sources_" + p.source] || p.source];
    if (p.citizen_contact) { facts.push(S.contact + " " + p.citizen_contact); }
    if (p.stage === "chosen") {
      facts.push(S.progress + " " + p.progress_pct + "%");
      if (p.satisfaction_pct !== null) { facts.push(S.satisfaction + " " + cg.fmtPct(p.satisfaction_pct)); }
    }
    return h("li", { class: "pj-proposal", dataset: { id: p.id, stage: p.stage } }, [
      h("div", { class: "op-row-top" }, [
        h("b", null, p.title),
        h("span", { class: "op-status pj-stage-" + p.stage }, S["stage_" + p.stage] || p.stage),
      ]),
      h("p", { class: "muted" }, facts.join(" · ")),
      p.rating_url ? h("p", { class: "pj-links" }, [
        h("a", { href: p.rating_url, target: "_blank", rel: "noopener" }, S.ratingPage),
        " · ",
        h("a", { href: cg.url("projectCard", null, { id: p.id }), target: "_blank", rel: "noopener", class: "pj-card" }, S.qrCard),
      ]) : null,
      actions,
    ]);
  }

  function loadCall() {
    var id = state.call;
    return cg.api(cg.url("callProposals", null, { id: id })).then(function (data) {
      if (id !== state.call) { return; }
      cg.fill("pj-proposals", data.results.length ? data.results.map(proposalRow)
        : cg.emptyItem(S.noProposals));
      ballotCandidates(data.results.filter(function (p) { return p.stage === "candidate"; }));
      var ballots = data.call.ballots;
      if (!state.ballot && ballots.length) { state.ballot = ballots[ballots.length - 1].id; }
      cg.fill("pj-ballot-tabs", ballots.map(function (b) {
        return h("button", {
          type: "button", class: "btn" + (b.id === state.ballot ? " active" : ""),
          "aria-pressed": b.id === state.ballot ? "true" : "false",
          click: function () { state.ballot = b.id; loadCall(); },
        }, b.title);
      }));
      return state.ballot ? loadBallot() : renderBallot(null);
    }).catch(fail);
  }

  /* ---- the ballot ---- */
  function ballotRules(b) {
    var rules = [S.quorum + " " + (S["quorum_" + b.quorum] || b.quorum)];
    if (b.session_on) { rules.push(S.sessionOn + " " + b.session_on); }
    return " · " + rules.join(" · ");
  }

  function turnoutText(b) {
    if (b.status !== "closed") {
      return S.votedSoFar + " " + b.voted_count + " / " + S.eligible + " " + b.eligible_count +
        ballotRules(b);
    }
    return [
      S.turnout + " " + b.turnout + " / " + b.eligible_count + " (" + cg.fmtPct(b.turnout_pct) + ")",
      S.blank + " " + b.blank_count,
      S.paper + " " + b.paper_count, S.invalid + " " + b.invalid_count,
      b.quorum_met ? S.quorumMet : S.quorumNotMet,
    ].join(" · ");
  }

  function renderBallot(b) {
    var box = $("pj-ballot");
    box.dataset.id = b ? b.id : "";
    box.dataset.status = b ? b.status : "";
    cg.setText("pj-ballot-name", b ? b.title : S.noBallot);
    cg.setText("pj-ballot-status", b ? (b.status === "closed" ? S.ballotClosedStatus : S.ballotOpenStatus) : "");
    cg.setText("pj-turnout", b ? turnoutText(b) : "");
    cg.fill("pj-candidates", b ? b.candidates.map(function (c) {
      return h("li", { dataset: { id: c.id, result: c.result || "" } }, [
        h("span", null, c.title), " ",
        h("span", { class: "muted" }, yuan(c.estimated_cost_yuan)),
        c.votes !== null ? h("b", { class: "pj-votes" }, " " + c.votes + " " + S.votes) : null,
        c.result ? h("span", { class: "op-status pj-result-" + c.result }, S["result_" + c.result]) : null,
      ]);
    }) : []);
    cg.fill("pj-paper-entries", b ? b.paper_entries.map(function (e) {
      return h("li", null, S.teller + " " + e.entry + ": " + e.teller + " · " +
        (e.matched ? S.paperMatched : S.paperWaiting));
    }) : []);
    var open = b && b.status === "open";
    var form = $("pj-paper"), close = $("pj-close");
    if (form) {
      form.hidden = !open;
      if (open) {
        cg.fill("pj-paper-votes", b.candidates.map(function (c) {
          return h("label", { class: "field" }, [c.title, h("input", {
            type: "number", min: 0, value: 0, inputmode: "numeric", dataset: { candidate: c.id },
          })]);
        }));
      }
    }
    if (close) { close.hidden = !open; $("pj-confirm").checked = false; $("pj-close-btn").disabled = true; }
  }

  function loadBallot() {
    var id = state.ballot;
    return cg.api(cg.url("ballot", null, { id: id })).then(function (b) {
      if (id === state.ballot) { renderBallot(b); }
    }).catch(fail);
  }

  function wireBallotForms() {
    var form = $("pj-paper");
    if (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var votes = {};
        form.querySelectorAll("[data-candidate]").forEach(function (el) {
          votes[el.dataset.candidate] = parseInt(el.value, 10) || 0;
        });
        var num = function (name) { return parseInt(form.elements[name].value, 10) || 0; };
        var list = $("pj-mismatch");
        list.hidden = true;
        cg.api(cg.url("paperCounts", null, { id: state.ballot }), {
          method: "POST",
          body: { ballots: num("ballots"), blank: num("blank"), invalid: num("invalid"), votes: votes },
        }).then(function (answer) {
          message(answer.matched ? S.paperMatched : S.paperEntered);
          renderBallot(answer.ballot);
        }).catch(function (err) {
          fail(err);
          var diffs = err.data && err.data.differences;
          if (diffs) {
            cg.fill(list, [h("li", null, S.mismatch + ":")].concat(diffs.map(function (d) {
              return h("li", null, d.line + ": " + d.first + " ≠ " + d.second);
            })));
            list.hidden = false;
          }
          loadBallot();
        });
      });
    }
    var confirm = $("pj-confirm");
    if (confirm) {
      confirm.addEventListener("change", function () { $("pj-close-btn").disabled = !confirm.checked; });
      $("pj-close-btn").addEventListener("click", function () {
        cg.api(cg.url("ballotClose", null, { id: state.ballot }), {
          method: "POST", body: { confirm: confirm.checked === true },
        }).then(function (b) { message(S.closed); renderBallot(b); return refresh(); }).catch(fail);
      });
    }
  }

  /* ---- staff open a call, and a ballot on a call's candidates ---- */
  function fieldError(form, err) {
    fail(err);
    var field = err.data && err.data.field;
    var input = field && form.elements[field];
    if (input && input.focus) { input.focus(); }
  }

  function wireCallForm() {
    var form = $("pj-call-form");
    if (!form) { return; }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var el = form.elements;
      cg.api(cg.url("projectCalls"), {
        method: "POST",
        body: {
          region: el.region.value, year: parseInt(el.year.value, 10) || null,
          title: el.title.value, opens_on: el.opens_on.value || null,
          closes_on: el.closes_on.value || null,
        },
      }).then(function (call) {
        message(S.newCall);
        state.call = call.id; state.ballot = null;
        form.reset();
        $("pj-new-call").open = false;
        return refresh();
      }).catch(function (err) { fieldError(form, err); });
    });
  }

  function ticked() {
    return Array.prototype.map.call(
      document.querySelectorAll("#pj-ballot-candidates input:checked"),
      function (el) { return parseInt(el.value, 10); });
  }

  function seatsRule() {
    var form = $("pj-ballot-form"), n = ticked().length;
    form.elements.max_choices.max = Math.max(n - 1, 1);
    cg.setText("pj-ballot-rule", S.seatsRule.replace("%(n)s", n).replace("%(k)s", Math.max(n - 1, 0)));
  }

  function ballotCandidates(candidates) {
    var box = $("pj-new-ballot");
    if (!box) { return; }
    box.hidden = candidates.length < 2;
    cg.fill("pj-ballot-candidates", candidates.map(function (p) {
      return h("li", null, h("label", null, [
        h("input", { type: "checkbox", value: p.id, checked: true, change: seatsRule }),
        p.title + " · " + yuan(p.estimated_cost_yuan),
      ]));
    }));
    seatsRule();
  }

  function wireBallotOpenForm() {
    var form = $("pj-ballot-form");
    if (!form) { return; }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var el = form.elements, ids = ticked();
      var seats = parseInt(el.max_choices.value, 10) || 0;
      if (ids.length < 2) { message(S.pickCandidates, true); return; }
      if (seats >= ids.length || seats < 1) { message(S.seatsTooMany, true); el.max_choices.focus(); return; }
      cg.api(cg.url("ballotOpen", null, { id: state.call }), {
        method: "POST",
        body: {
          title: el.title.value, proposal_ids: ids, max_choices: seats,
          min_choices: parseInt(el.min_choices.value, 10) || 0, quorum: el.quorum.value,
          session_on: el.session_on.value || null,
        },
      }).then(function (b) {
        message(S.ballotOpened);
        state.ballot = b.id;
        form.reset();
        $("pj-new-ballot").open = false;
        return refresh();
      }).catch(function (err) { fieldError(form, err); });
    });
  }

  /* ---- a staff proposal (征): title, description, cost, a point tapped on a small map, the
   * opinions it comes from; POST callProposals of the call selected above ---- */
  var picker = { map: null, marker: null };

  function pickerMap() {
    var el = $("pj-proposal-map");
    if (picker.map || !el || !window.L) { return; }
    picker.map = L.map(el, { zoomControl: true, attributionControl: false, zoomSnap: 1 });
    cg.fitBbox(picker.map, config.region.bbox, false);
    var b = config.region.bbox;
    if (b) { L.rectangle([[b[1], b[0]], [b[3], b[2]]], { color: "#1c7ed6", weight: 1, fill: false, interactive: false }).addTo(picker.map); }
    picker.map.on("click", function (e) { pick(e.latlng); });
  }

  function pick(latlng) {
    var el = $("pj-proposal-map");
    if (picker.marker) { picker.map.removeLayer(picker.marker); picker.marker = null; }
    $("pj-proposal-unpick").hidden = !latlng;
    if (!latlng) { el.dataset.picked = ""; return; }
    picker.marker = L.circleMarker(latlng, { radius: 8, color: "#fff", weight: 2, fillColor: "#1c7ed6", fillOpacity: 1 }).addTo(picker.map);
    el.dataset.picked = latlng.lng.toFixed(6) + "," + latlng.lat.toFixed(6);
  }

  function wireProposalForm() {
    var form = $("pj-proposal-form");
    if (!form) { return; }
    $("pj-new-proposal").addEventListener("toggle", function () {
      var call = state.calls.filter(function (c) { return c.id === state.call; })[0];
      cg.setText("pj-proposal-call", call ? S.proposalInto + " " + call.title : S.noCalls);
      pickerMap();
      if (picker.map) { picker.map.invalidateSize(); }
    });
    $("pj-proposal-unpick").addEventListener("click", function () { pick(null); });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!state.call) { message(S.noCalls, true); return; }
      var el = form.elements, picked = $("pj-proposal-map").dataset.picked;
      var ids = el.opinion_ids.value.split(/[,，\s]+/).filter(Boolean).map(function (x) {
        return /^\d{1,18}$/.test(x) ? parseInt(x, 10) : x;
      });
      cg.api(cg.url("callProposals", null, { id: state.call }), {
        method: "POST",
        body: {
          title: el.title.value, description: el.description.value,
          estimated_cost_yuan: el.estimated_cost_yuan.value === "" ? 0 : Number(el.estimated_cost_yuan.value),
          place: picked ? { type: "Point", coordinates: picked.split(",").map(Number) } : null,
          opinion_ids: ids,
        },
      }).then(function () {
        message(S.proposalAdded);
        form.reset();
        pick(null);
        $("pj-new-proposal").open = false;
        return refresh();
      }).catch(function (err) { fieldError(form, err); });
    });
  }

  /* ---- the map ---- */
  var map = null, layer = null;

  function legend() {
    cg.fill("pj-legend", Object.keys(STATUS_COLORS).map(function (key) {
      return h("li", null, [
        h("span", { class: "pj-swatch", style: { background: STATUS_COLORS[key] } }),
        S["map_" + key] || key,
      ]);
    }));
  }

  function loadMap() {
    var el = $("pj-map");
    if (!window.L) { return Promise.resolve(); }
    if (!map) {
      map = L.map(el, { zoomControl: true, attributionControl: false, zoomSnap: 1 });
      cg.fitBbox(map, config.region.bbox, false);
    }
    return cg.api(cg.url("projectsLayer")).then(function (data) {
      if (layer) { map.removeLayer(layer); }
      layer = L.geoJSON(data, {
        style: function (f) {
          return { color: STATUS_COLORS[f.properties.status], weight: 5, fillOpacity: 0.35 };
        },
        pointToLayer: function (f, at) {
          return L.circleMarker(at, {
            radius: 9, color: "#fff", weight: 2, fillColor: STATUS_COLORS[f.properties.status],
            fillOpacity: 1,
          });
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          l.bindPopup(cg.popup(p.title, [
            ["", S["map_" + p.status] || p.status],
            [S.progress, p.progress_pct + "%"],
            [S.supervisions, cg.fmtInt(p.supervision_count)],
            [S.satisfaction, p.satisfaction_pct === null ? S.noEvaluation : cg.fmtPct(p.satisfaction_pct)],
          ]));
        },
      }).addTo(map);
      el.dataset.features = String(data.features.length);
      var bounds = layer.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 }); }
    }).catch(fail);
  }

  function refresh() { return Promise.all([loadCalls(), loadMap()]); }

  legend();
  wireBallotForms();
  wireCallForm();
  wireProposalForm();
  wireBallotOpenForm();
  refresh();
})();
