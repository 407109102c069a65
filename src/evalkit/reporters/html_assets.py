"""The inline stylesheet and script of the HTML report. Nothing here loads anything from elsewhere.

The script is optional: without it every row and every unit's section is shown. With it the ranking
table is paged, searchable, filterable by grade and sortable by column; the units' sections follow the
table's page; a link such as ``report.html#u12`` opens that unit's section; and, in large reports, a
unit's chart is drawn when its section is opened (from the scores in its ``data-s`` attribute).
"""

CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;padding:24px 32px 48px;color:#1f2933;background:#fff;line-height:1.5;font-size:14px;
 font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",
 "Source Han Sans SC","WenQuanYi Micro Hei",sans-serif}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:32px 0 12px;padding-bottom:4px;border-bottom:2px solid #d9e2ec}
.meta{color:#52606d;margin:0 0 12px}
nav.toc a{margin-right:16px;color:#2f6db5;text-decoration:none}
nav.toc a:hover{text-decoration:underline}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{border:1px solid #d9e2ec;border-radius:6px;padding:8px 14px;min-width:110px;background:#f8fafc}
.card b{display:block;font-size:20px;font-variant-numeric:tabular-nums}
.card span{color:#52606d;font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
figure{margin:0}
figcaption{font-weight:600;margin-bottom:6px}
svg text{font-size:12px;fill:#323f4b}
svg .muted{fill:#7b8794}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #e4e7eb;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f0f4f8;position:sticky;top:0;white-space:nowrap}
th.n,td.n{text-align:right}
tbody tr:hover{background:#f5f9ff}
td a{color:#1f5fa8;text-decoration:none}
td.u{white-space:nowrap}
td a:hover{text-decoration:underline}
.g{display:inline-block;padding:0 8px;border-radius:10px;color:#fff;font-size:12px;white-space:nowrap}
.note{color:#9b2c2c;font-size:12px}
.tools{display:none;flex-wrap:wrap;gap:8px;align-items:center;margin:0 0 10px}
.js .tools{display:flex}
.tools input,.tools select,.tools button{font:inherit;padding:3px 8px;border:1px solid #bcccdc;border-radius:4px;background:#fff}
.tools button:disabled{color:#9aa5b1}
.tools output{color:#52606d;margin-left:8px}
.js #rank tbody tr{display:none}
.js #rank tbody tr.on{display:table-row}
.js #rank th[data-c]{cursor:pointer}
.js #rank th[data-c]:after{content:" \\2195";color:#9aa5b1;font-weight:400}
.wrap{overflow-x:auto}
details.unit{border:1px solid #d9e2ec;border-radius:6px;margin:6px 0;background:#fff}
.js details.unit{display:none}
.js details.unit.on{display:block}
details.unit>summary{cursor:pointer;padding:6px 12px;list-style-position:inside}
details.unit[open]>summary{background:#f0f4f8;border-bottom:1px solid #d9e2ec}
summary .rk{display:inline-block;min-width:3em;color:#52606d}
summary code,td code{color:#52606d;font-size:12px}
summary .t{font-weight:600;margin:0 8px;font-variant-numeric:tabular-nums}
.ub{padding:10px 14px;display:flex;flex-wrap:wrap;gap:18px}
pre.ex{margin:0;white-space:pre-wrap;font:inherit;font-size:13px;flex:1 1 420px;min-width:280px}
.hint{color:#52606d;font-size:12px}
footer{margin-top:40px;color:#9aa5b1;font-size:12px}
@media print{.tools{display:none!important}.js #rank tbody tr{display:table-row}.js details.unit{display:block}
 body{padding:0}th{position:static}}
"""

SCRIPT = r"""
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("ek-data").textContent);
  var L = cfg.labels;
  var table = document.getElementById("rank");
  if (!table) { return; }
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var sections = {};
  Array.prototype.forEach.call(document.querySelectorAll("details.unit"), function (d) { sections[d.id] = d; });
  rows.forEach(function (r) {
    r.ekKey = (r.getAttribute("data-k") || "").toLowerCase();
    r.ekGrade = r.getAttribute("data-g") || "";
    r.ekUnit = sections[r.getAttribute("data-u")] || null;
  });
  var q = document.getElementById("q"), gsel = document.getElementById("gsel"), psel = document.getElementById("psel");
  var prev = document.getElementById("prev"), next = document.getElementById("next"), info = document.getElementById("pinfo");
  var page = 0, match = rows.slice(), shown = [], sortCol = -1, sortDir = 1;

  function filter() {
    var s = q.value.trim().toLowerCase(), g = gsel.value;
    match = rows.filter(function (r) { return (!s || r.ekKey.indexOf(s) >= 0) && (!g || r.ekGrade === g); });
    page = 0;
    show();
  }

  function show() {
    var size = parseInt(psel.value, 10) || match.length || 1;
    var pages = Math.max(1, Math.ceil(match.length / size));
    page = Math.max(0, Math.min(page, pages - 1));
    shown.forEach(function (r) { r.classList.remove("on"); if (r.ekUnit) { r.ekUnit.classList.remove("on"); } });
    shown = match.slice(page * size, page * size + size);
    shown.forEach(function (r) { r.classList.add("on"); if (r.ekUnit) { r.ekUnit.classList.add("on"); } });
    info.textContent = L.page_info.replace("{page}", String(page + 1)).replace("{pages}", String(pages))
      .replace("{count}", String(match.length));
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }

  function sortBy(col, numeric) {
    sortDir = sortCol === col ? -sortDir : 1;
    sortCol = col;
    var keyed = rows.map(function (r, i) {
      var cell = r.cells[col], text = cell ? (cell.getAttribute("data-v") || cell.textContent) : "";
      var key = numeric ? parseFloat(text) : text;
      if (numeric && isNaN(key)) { key = -Infinity; }
      return [key, i, r];
    });
    keyed.sort(function (a, b) {
      if (a[0] < b[0]) { return -sortDir; }
      if (a[0] > b[0]) { return sortDir; }
      return a[1] - b[1];
    });
    rows = keyed.map(function (k) { return k[2]; });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r); });
    tbody.appendChild(frag);
    filter();
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
    if (!th.hasAttribute("data-c")) { return; }
    th.addEventListener("click", function () { sortBy(col, th.getAttribute("data-c") === "n"); });
  });
  q.addEventListener("input", filter);
  gsel.addEventListener("change", filter);
  psel.addEventListener("change", function () { page = 0; show(); });
  prev.addEventListener("click", function () { page -= 1; show(); });
  next.addEventListener("click", function () { page += 1; show(); });

  var NS = "http://www.w3.org/2000/svg";
  function el(name, attrs, text) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  // The same drawing as chart_svg() in html.py, for the large reports that leave it to the browser.
  function chart(d) {
    var box = d.querySelector(".uc");
    var data = d.getAttribute("data-s");
    if (!box || !data || box.querySelector("svg")) { return; }
    var c = cfg.chart, dims = cfg.dims, scores = data.split(",");
    var height = c.top + dims.length * c.row;
    var svg = el("svg", {width: c.width, height: height, viewBox: "0 0 " + c.width + " " + height,
                         role: "img", "aria-label": c.title, "class": "dimchart"});
    svg.appendChild(el("title", {}, c.title));
    dims.forEach(function (dim, j) {
      var y = c.top + j * c.row, s = parseFloat(scores[j]);
      var frac = dim.max > 0 && !isNaN(s) ? Math.max(0, Math.min(1, s / dim.max)) : 0;
      svg.appendChild(el("text", {x: c.label - 6, y: y + 12, "text-anchor": "end"}, dim.name));
      svg.appendChild(el("rect", {x: c.label, y: y + 2, width: c.bar, height: 14, rx: 2, fill: "#e4e9f0"}));
      svg.appendChild(el("rect", {x: c.label, y: y + 2, width: (c.bar * frac).toFixed(1), height: 14, rx: 2, fill: c.colour}));
      if (dim.max > 0) {
        var mx = (c.label + c.bar * Math.max(0, Math.min(1, dim.mean / dim.max))).toFixed(1);
        svg.appendChild(el("line", {x1: mx, x2: mx, y1: y, y2: y + 18, stroke: "#1f2933", "stroke-width": 1.5,
                                    "stroke-dasharray": "2 2"}));
      }
      svg.appendChild(el("text", {x: c.label + c.bar + 8, y: y + 12},
                         (isNaN(s) ? "" : s.toFixed(cfg.decimals)) + " / " + dim.maxText));
    });
    box.appendChild(svg);
  }

  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (d && d.classList && d.classList.contains("unit") && d.open) { chart(d); }
  }, true);

  function go() {
    var id = decodeURIComponent(location.hash.slice(1));
    var d = id ? document.getElementById(id) : null;
    if (d && d.tagName === "DETAILS") {
      d.classList.add("on");
      d.open = true;
      chart(d);
      d.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", go);
  filter();
  go();
})();
"""

# Printing opens every collapsed section (a unit's explanation, the extras) and closes them again after:
# a printed report shows every unit, not only the ones that were open on screen.
PRINT_OPEN = ('window.addEventListener("beforeprint",function(){window.ekOpened=[];'
              'Array.prototype.forEach.call(document.querySelectorAll("details:not([open])"),'
              'function(d){d.open=true;window.ekOpened.push(d);});});'
              'window.addEventListener("afterprint",function(){(window.ekOpened||[]).forEach(function(d){d.open=false;});'
              'window.ekOpened=[];});')
