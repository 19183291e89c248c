// A table page: search, filter by column, sort, page through, and download the filtered rows as CSV.
(function () {
  "use strict";
  var root = document.getElementById("xj-table");
  var data = window.XJ_TABLE;
  if (!root || !data) return;
  var name = root.getAttribute("data-table");
  var links = JSON.parse(root.getAttribute("data-links") || "{}");
  var columns = data.columns, rows = data.rows, PAGE = 100;
  // the columns of numbers: each number comes as its plain decimal text ("170000000000"), compared as a number
  var numericColumns = {};
  (data.numeric || []).forEach(function (i) { numericColumns[i] = true; });
  var groupedColumns = {};  // the numbers shown with thousands separators (not years)
  (data.grouped || []).forEach(function (i) { groupedColumns[i] = true; });
  var state = { q: "", filters: {}, sort: null, dir: 1, page: 0 };
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function text(v) { return v === null || v === undefined ? "" : Array.isArray(v) ? v.join("; ") : String(v); }
  var lower = rows.map(function (r) { return r.map(text).join("\u0001").toLowerCase(); });
  var el = function (tag, attrs, html) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (html !== undefined) e.innerHTML = html;
    return e;
  };
  root.textContent = "";
  var controls = el("div", { class: "controls" });
  var search = el("input", { type: "search", id: "table-search", autocomplete: "off" });
  var sl = el("label", { for: "table-search" }, "Search all columns");
  sl.appendChild(search);
  controls.appendChild(sl);
  columns.forEach(function (c, i) {
    var values = {};
    rows.forEach(function (r) {
      var v = text(r[i]);
      if (v !== "") values[v] = 1;
    });
    var keys = Object.keys(values).sort();
    // a filter for columns of a few categories (types, levels, programs, reliability ...)
    if (isNumber(i) || keys.length < 2 || keys.length > 25 || keys.length > rows.length / 3 ||
        /(_en|_zh|notes|as_reported|title|url|quote|locator|same_as|conflicts_with|date|_at_utc)$/.test(c)) return;
    var id = "filter-" + c;
    var lab = el("label", { for: id }, esc(c));
    var sel = el("select", { id: id, "data-col": String(i) });
    sel.appendChild(el("option", { value: "" }, "all"));
    keys.forEach(function (k) { sel.appendChild(el("option", { value: k }, esc(k))); });
    sel.addEventListener("change", function () {
      if (sel.value) state.filters[i] = sel.value; else delete state.filters[i];
      state.page = 0; render();
    });
    lab.appendChild(sel);
    controls.appendChild(lab);
  });
  var download = el("button", { type: "button", class: "act light", id: "table-csv" }, "Download these rows as CSV");
  controls.appendChild(download);
  root.appendChild(controls);
  var status = el("p", { role: "status", id: "table-status" });
  root.appendChild(status);
  var wrap = el("div", { class: "scroll", role: "region", "aria-label": "Table " + name, tabindex: "0" });
  var tableEl = el("table", { id: "table-rows" });
  var thead = el("thead"), tbody = el("tbody");
  var tr = el("tr");
  columns.forEach(function (c, i) {
    var th = el("th", { scope: "col", "aria-sort": "none" });
    var b = el("button", { type: "button", title: "Sort by " + c }, esc(c));
    b.addEventListener("click", function () {
      state.dir = state.sort === i ? -state.dir : 1; state.sort = i; state.page = 0; render();
    });
    th.appendChild(b); tr.appendChild(th);
  });
  thead.appendChild(tr); tableEl.appendChild(thead); tableEl.appendChild(tbody);
  wrap.appendChild(tableEl); root.appendChild(wrap);
  var pager = el("div", { class: "pager" });
  var prev = el("button", { type: "button", class: "act light" }, "Previous");
  var next = el("button", { type: "button", class: "act light" }, "Next");
  var where = el("span");
  pager.appendChild(prev); pager.appendChild(where); pager.appendChild(next);
  root.appendChild(pager);
  prev.addEventListener("click", function () { state.page--; render(); });
  next.addEventListener("click", function () { state.page++; render(); });
  var timer;
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { state.q = search.value.trim().toLowerCase(); state.page = 0; render(); }, 120);
  });
  function selected() {
    var out = [];
    for (var n = 0; n < rows.length; n++) {
      if (state.q && lower[n].indexOf(state.q) < 0) continue;
      var ok = true;
      for (var k in state.filters) if (text(rows[n][k]) !== state.filters[k]) { ok = false; break; }
      if (ok) out.push(rows[n]);
    }
    if (state.sort !== null) {
      var i = state.sort, d = state.dir;
      out.sort(function (a, b) {
        var x = a[i], y = b[i];
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        if (isNumber(i)) {
          var nx = Number(x), ny = Number(y);  // NaN last, as an empty cell
          if (isNaN(nx) || isNaN(ny)) return isNaN(nx) ? (isNaN(ny) ? 0 : 1) : -1;
          return (nx - ny) * d;
        }
        return String(x).localeCompare(String(y)) * d;
      });
    }
    return out;
  }
  function cell(i, v) {
    var c = columns[i], t = text(v);
    if (links[c] && t) return '<a href="../' + links[c] + "/" + encodeURIComponent(t) + '.html">' + esc(t) + "</a>";
    return esc(groupedColumns[i] === true ? grouped(t) : t);
  }
  // a number comes as its plain decimal text; thousands separators in its whole part, as html.grouped
  function grouped(t) {
    var m = /^(-?)([0-9]+)(\.[0-9]+)?$/.exec(t);
    return m ? m[1] + m[2].replace(/\B(?=([0-9]{3})+(?![0-9]))/g, ",") + (m[3] || "") : t;
  }
  function isNumber(i) { return numericColumns[i] === true; }
  var current = [];
  function render() {
    current = selected();
    var pages = Math.max(1, Math.ceil(current.length / PAGE));
    state.page = Math.min(Math.max(state.page, 0), pages - 1);
    var slice = current.slice(state.page * PAGE, state.page * PAGE + PAGE);
    tbody.innerHTML = slice.map(function (r) {
      return "<tr>" + r.map(function (v, i) {
        return (isNumber(i) ? '<td class="num">' : "<td>") + cell(i, v) + "</td>";
      }).join("") + "</tr>";
    }).join("");
    status.textContent = current.length + " of " + rows.length + " rows";
    where.textContent = "page " + (state.page + 1) + " of " + pages;
    prev.disabled = state.page === 0; next.disabled = state.page >= pages - 1;
    thead.querySelectorAll("th").forEach(function (th, i) {
      th.setAttribute("aria-sort", state.sort === i ? (state.dir > 0 ? "ascending" : "descending") : "none");
    });
  }
  function csvCell(v) {
    var t = text(v);
    return /[",\n\r]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
  }
  download.addEventListener("click", function () {
    var lines = [columns.map(csvCell).join(",")].concat(current.map(function (r) { return r.map(csvCell).join(","); }));
    var blob = new Blob(["\ufeff" + lines.join("\n") + "\n"], { type: "text/csv;charset=utf-8" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name + "-filtered.csv";
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  });
  render();
})();
