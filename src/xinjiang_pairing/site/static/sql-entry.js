// The SQL page: DuckDB-WASM over the release's CSV files, all loaded from this site's own folder.
import * as duckdb from "@duckdb/duckdb-wasm";

const $ = (id) => document.getElementById(id);
const status = $("sql-status");
const result = $("sql-result");
const csvButton = $("sql-csv");
const examples = JSON.parse($("sql-examples").textContent);
let connection = null;
let last = null;

function say(text) { status.textContent = text; }

async function start() {
  const t0 = performance.now();
  say("Starting the SQL engine…");
  const assets = new URL("assets/duckdb/", document.baseURI);
  const worker = new Worker(new URL("duckdb-browser-eh.worker.js", assets));
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(new URL("duckdb-eh.wasm", assets).href);
  const setup = await (await fetch(new URL("data/setup.json", document.baseURI))).json();
  for (const f of setup.files) {
    await db.registerFileURL(f.name, new URL(f.path, document.baseURI).href, duckdb.DuckDBDataProtocol.HTTP, false);
  }
  const con = await db.connect();
  for (const statement of setup.statements) await con.query(statement);
  say(`Ready: ${setup.tables} tables and views of release ${setup.version} loaded in ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s.`);
  return con;
}

const pad = (n) => String(n).padStart(2, "0");
function formatValue(v, type) {
  if (v === null || v === undefined) return "";
  const id = type && type.typeId;
  if (id === 8 /* Date */) {
    const d = new Date(Number(v));
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  }
  if (id === 10 /* Timestamp */) {
    const d = new Date(Number(v));
    return d.toISOString().replace("T", " ").replace(/\.000Z$/, "").replace("Z", "");
  }
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === "boolean") return v ? "True" : "False";
  if (v && typeof v.toArray === "function") {
    const inner = type && type.children && type.children[0] ? type.children[0].type : null;
    return "[" + Array.from(v.toArray()).map((x) => `'${formatValue(x, inner)}'`).join(", ") + "]";
  }
  return String(v);
}

function toRows(table) {
  const fields = table.schema.fields;
  const columns = fields.map((f) => f.name);
  const rows = [];
  for (let i = 0; i < table.numRows; i++) {
    const row = table.get(i);
    rows.push(fields.map((f) => formatValue(row[f.name], f.type)));
  }
  return { columns, rows };
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
function show(res) {
  const shown = res.rows.slice(0, 1000);
  result.innerHTML =
    `<p>${res.rows.length} row${res.rows.length === 1 ? "" : "s"}${res.rows.length > 1000 ? " (the first 1,000 shown)" : ""}</p>` +
    '<div class="scroll" role="region" aria-label="Query result" tabindex="0"><table id="sql-table"><thead><tr>' +
    res.columns.map((c) => `<th scope="col">${esc(c)}</th>`).join("") + "</tr></thead><tbody>" +
    shown.map((r) => "<tr>" + r.map((v) => `<td>${esc(v)}</td>`).join("") + "</tr>").join("") +
    "</tbody></table></div>";
}

function csv(res) {
  const cell = (t) => (/[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t);
  return [res.columns, ...res.rows].map((r) => r.map(cell).join(",")).join("\n") + "\n";
}

let ready = null;
async function run() {
  const sql = $("sql").value;
  $("sql-run").disabled = true;
  try {
    if (!ready) ready = start();
    connection = await ready;
    say("Running…");
    const t0 = performance.now();
    const table = await connection.query(sql);
    last = toRows(table);
    window.XJ_LAST_RESULT = last;
    show(last);
    csvButton.disabled = false;
    say(`Done in ${Math.round(performance.now() - t0)} ms.`);
  } catch (err) {
    last = null;
    csvButton.disabled = true;
    result.innerHTML = `<p role="alert">Error: ${esc(err && err.message ? err.message : err)}</p>`;
    say("The query failed.");
  } finally {
    $("sql-run").disabled = false;
  }
}

$("sql-form").addEventListener("submit", (ev) => { ev.preventDefault(); run(); });
document.querySelectorAll("[data-example]").forEach((b) => {
  b.addEventListener("click", () => { $("sql").value = examples[Number(b.dataset.example)]; run(); });
});
csvButton.addEventListener("click", () => {
  if (!last) return;
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([csv(last)], { type: "text/csv;charset=utf-8" }));
  a.download = "query.csv";
  document.body.appendChild(a); a.click(); a.remove();
});
if (location.protocol === "file:") {
  say("The SQL engine needs the site to be served over HTTP (for example python -m http.server in this folder).");
} else {
  ready = start();
  ready.catch((err) => say(`The SQL engine did not start: ${err && err.message ? err.message : err}`));
  window.XJ_SQL_READY = ready.then(() => true);
}
