/* The exports page (/exports/, map_ui/export_views.py): the form posts {kind, year, region,
 * deputy} to the map API's exports operation; the list shows the latest jobs with their progress
 * and, once done, the download link. While any job is queued or running the list is read again
 * every config.pollMs; it stops when none is. Testability: #export-list carries data-running
 * (jobs still running) and each item data-status. */
(function () {
  "use strict";
  var cg = window.cg, config = cg.config, h = cg.h, S = config.exportStrings;
  var list = document.getElementById("export-list");
  var form = document.getElementById("export-form");
  var kind = document.getElementById("export-kind");
  var deputyRow = document.getElementById("export-deputy-row");
  var deputy = document.getElementById("export-deputy");
  var error = form.querySelector(".life-error");
  var timer = null;

  function sizeText(bytes) {
    if (!bytes) { return ""; }
    return bytes < 1024 * 1024 ? Math.ceil(bytes / 1024) + " kB" : (bytes / 1048576).toFixed(1) + " MB";
  }

  function item(job) {
    var title = job.kind_label + " · " + job.region_name + " · " + job.year;
    var facts = [job.status_label, cg.fmtDateTime(job.created_at)];
    var children = [h("b", { text: title }), " ", h("span", { class: "muted", text: facts.join(" · ") })];
    if (job.status === "queued" || job.status === "running") {
      children.push(h("div", { class: "progress", role: "progressbar", "aria-valuemin": 0,
        "aria-valuemax": 100, "aria-valuenow": job.progress }, [h("span", { style: { width: job.progress + "%" } })]));
      if (job.status === "queued") { children.push(h("p", { class: "muted", text: S.queued })); }
    } else if (job.status === "failed") {
      children.push(h("p", { class: "life-error", text: S.failed + (job.error ? ": " + job.error : "") }));
    } else if (job.download) {
      children.push(" ", h("a", { class: "btn", href: job.download, download: "", text: S.download }),
        " ", h("span", { class: "muted", text: sizeText(job.size) }));
    }
    return h("li", { dataset: { status: job.status, id: String(job.id) } }, children);
  }

  function show(jobs) {
    list.textContent = "";
    if (!jobs.length) { list.appendChild(h("li", { class: "muted", text: S.noExports })); }
    jobs.forEach(function (job) { list.appendChild(item(job)); });
    var running = jobs.filter(function (j) { return j.status === "queued" || j.status === "running"; }).length;
    list.dataset.running = String(running);
    clearTimeout(timer);
    if (running) { timer = setTimeout(refresh, config.pollMs); }
  }

  function refresh() {
    cg.api(config.exportUrls.list).then(function (data) { show(data.results); }, function () {
      timer = setTimeout(refresh, config.pollMs * 2);  // a blip: keep the list, ask again later
    });
  }

  function syncKind() {
    deputyRow.hidden = kind.value !== "deputy_pdf";
  }

  kind.addEventListener("change", syncKind);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    error.hidden = true;
    var body = { kind: kind.value, region: config.region.adcode,
                 year: parseInt(document.getElementById("export-year").value, 10) };
    if (kind.value === "deputy_pdf") {
      if (!deputy.value) { error.textContent = S.pickDeputy; error.hidden = false; return; }
      body.deputy = parseInt(deputy.value, 10);
      delete body.region;  // the deputy's own region
    }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    cg.api(config.exportUrls.list, { method: "POST", body: body }).then(function () {
      refresh();
    }, function (err) {
      error.textContent = S.requestFailed + ": " + err.message;
      error.hidden = false;
    }).then(function () { button.disabled = false; });
  });

  syncKind();
  show(config.exports || []);
})();
