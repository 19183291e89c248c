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
// A DECIMAL comes from Arrow as its unscaled integer (55000000.00 as 5500000000): put its point back.
function decimalText(v, scale) {
  let digits = String(v);
  const sign = digits.startsWith("-") ? "-" : "";
  digits = digits.replace(/^-/, "");
  if (scale > 0) {
    digits = digits.padStart(scale + 1, "0");
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return sign + digits;
}

// Values as the command line's CSV shows them (Python's str): lists and structs as Python writes them.
function formatValue(v, type) {
  if (v === null || v === undefined) return "";
  const id = type && type.typeId;
  if (id === 7 /* Decimal */) return decimalText(v, type.scale);
  if (id === 8 /* Date */) {
    const d = new Date(Number(v));
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  }
  if (id === 9 /* Time */) {
    const unit = [1, 1e3, 1e6, 1e9][type.unit] || 1e6;  // seconds, ms, us, ns per second
    const micros = Number((BigInt(v) * 1000000n) / BigInt(unit));
    const secs = Math.floor(micros / 1e6), frac = micros % 1e6;
    const text = `${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}`;
    return frac ? `${text}.${String(frac).padStart(6, "0")}` : text;
  }
  if (id === 10 /* Timestamp, in milliseconds */) {
    const ms = Number(v), seconds = Math.floor(ms / 1000);
    const micros = Math.min(999999, Math.round((ms - seconds * 1000) * 1000));
    const text = new Date(seconds * 1000).toISOString().replace("T", " ").replace(/\.000Z$/, "");
    return micros ? `${text}.${String(micros).padStart(6, "0")}` : text;
  }
  if (id === 11 /* Interval: Arrow does not carry DuckDB's */) return "(an interval: CAST it AS VARCHAR)";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "True" : "False";
  if (id === 12 /* List */ && v && typeof v.toArray === "function") {
    const inner = type.children && type.children[0] ? type.children[0].type : null;
    // Array.from reads each element through the vector (nulls, decimals, timestamps), not its storage
    return "[" + Array.from(v).map((x) => reprValue(x, inner)).join(", ") + "]";
  }
  if (id === 13 /* Struct */ && type.children) {
    return "{" + type.children.map((f) => `'${f.name}': ${reprValue(v[f.name], f.type)}`).join(", ") + "}";
  }
  return String(v);
}

// An element of a list or struct, as Python's repr writes it: texts quoted, None for a missing value.
function reprValue(v, type) {
  if (v === null || v === undefined) return "None";
  const text = formatValue(v, type);
  const id = type && type.typeId;
  return id === 5 /* Utf8 */ || id === 8 || id === 9 || id === 10 ? `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'` : text;
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
