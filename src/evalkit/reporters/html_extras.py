"""The HTML report's sections for the extras: tier transitions, benchmarks and targets.

Written by `evalkit.reporters.html` only when `ReportOptions.extras` holds them (without extras the
page is byte for byte what it was), self-contained like the rest of the page (inline CSS and SVG):

- 等次变化 / Tier transitions: the transition matrix (earlier tiers in rows, this run's in columns,
  moves up tinted green and down red), an SVG bar per starting tier of the shares that moved up,
  stayed and moved down, the per-tier counts and shares, and the units behind every move (collapsed
  lists linking to each unit's section);
- 标杆对比 / Benchmarks: per indicator and peer group the peers, median, top-decile mean and the units
  below the median;
- 目标进度 / Targets: status counts as badges, the counts per indicator, and every target with its
  status badge;
- in each unit's own section: its move between tiers, its gaps to the benchmarks and its targets.

Large reports (more than STATIC_CHARTS units) stay small and quick as the charts do: each unit's part
is kept as compact JSON and drawn by a small script when its section is opened, and the list of every
target is left to the unit sections (and to the workbook).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from evalkit.reporters.common import display_width, label
from evalkit.reporters.extras import (
    MOVE_COLOURS,
    STATUS_COLOURS,
    BenchmarkIndicator,
    TransitionView,
    benchmark_groups,
    benchmark_indicators,
    direction_text,
    number_texts,
    percent_text,
    share_text,
    status_counts,
    status_label,
    target_rows,
    tier_shares,
    transition_view,
)
from evalkit.reporters.html_parts import STATIC_CHARTS, badge, e, json_script, label_width, svg

if TYPE_CHECKING:
    from evalkit.analysis.benchmarks import Benchmarks
    from evalkit.analysis.targets import Assessment
    from evalkit.analysis.transitions import Comparison, Move
    from evalkit.reporters.base import ReportExtras
    from evalkit.scoring.evaluation import Evaluation

MOVE_KEYS = {"up": "moved_up", "stayed": "stayed", "down": "moved_down"}
ARROWS = {"up": "↑", "stayed": "=", "down": "↓"}
BENCH_HEADS = ("item", "value", "peer_rank", "peer_median", "top_decile", "gap_median", "gap_top_decile")
TARGET_HEADS = ("item", "baseline", "target", "expected", "actual", "progress", "status")

CSS = """
.matrix th,.matrix td{text-align:center}
.matrix tbody th{text-align:left;background:#fff;position:static}
.matrix td.mu{background:#d3f9d8}.matrix td.ms{background:#eef1f4}.matrix td.md{background:#ffc9c9}
.st{display:inline-block;padding:0 8px;border-radius:10px;color:#fff;font-size:12px;white-space:nowrap}
""" + "".join(f".st-{s}{{background:{c}}}" for s, c in STATUS_COLOURS.items()) + """
.pos{color:#2b8a3e}.neg{color:#c92a2a}
.counts{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
details.moves{margin:4px 0}
details.moves>summary{cursor:pointer}
details.moves p{margin:4px 0 8px 18px}
.ux{flex:1 1 100%;display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
.ux h4{margin:0 0 4px;font-size:13px}
.ux table{font-size:13px}
.ux td+td,.ux th+th,.tl td+td+td,.tl th+th+th{text-align:right}
.tg td:last-child,.tg th:last-child{text-align:left}
.ux p{margin:0 0 6px;flex:1 1 100%}
span.muted{color:#7b8794}
"""

# Draws a unit's part of its section from #ek-extras when the section is opened (large reports only).
# The same content as HtmlExtras.unit_html; text goes in with textContent, never as markup.
SCRIPT = r"""
(function () {
  "use strict";
  var node = document.getElementById("ek-extras");
  if (!node) { return; }
  var X = JSON.parse(node.textContent), L = X.labels;
  function el(name, cls, text) {
    var e = document.createElement(name);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function tier(t) { var x = X.tiers[t]; return el("span", x.pos === null ? "" : "g g" + x.pos, x.label); }
  function signed(text) { return el("span", text.charAt(0) === "-" ? "neg" : (text && text !== "0" ? "pos" : ""), text); }
  function table(cls, heads, rows) {
    var t = el("table", cls), h = t.createTHead().insertRow(), b = t.createTBody();
    heads.forEach(function (x) { h.appendChild(el("th", "", x)); });
    rows.forEach(function (cells) {
      var r = b.insertRow();
      cells.forEach(function (c) { var td = r.insertCell(); if (typeof c === "string") { td.textContent = c; } else { td.appendChild(c); } });
    });
    return t;
  }
  function fill(d) {
    var u = X.units[d.id.slice(1)], ub = d.querySelector(".ub");
    if (!u || !ub || ub.querySelector(".ux")) { return; }
    var box = el("div", "ux");
    if (u.m) {
      var p = el("p", "mv"), m = u.m;
      p.appendChild(document.createTextNode(L.before + L.colon)); p.appendChild(tier(m[0]));
      p.appendChild(document.createTextNode(" → " + L.after + L.colon)); p.appendChild(tier(m[1]));
      p.appendChild(document.createTextNode(" · " + X.moves[m[2]] + " · " + L.total_change + " "));
      p.appendChild(signed(m[3]));
      p.appendChild(document.createTextNode(" · " + L.rank_change + " "));
      p.appendChild(signed(m[4]));
      if (m[5]) { p.appendChild(document.createTextNode(" · ")); p.appendChild(el("b", "", L.improved_markedly)); }
      box.appendChild(p);
    }
    if (u.b) {
      var div = el("div");
      div.appendChild(el("h4", "", L.benchmarks + " · " + L.peer_group + " " + u.g));
      div.appendChild(table("", X.bench_heads, u.b.map(function (r) {
        return [X.inds[r[0]], r[1], r[2], r[3], r[4], signed(r[5]), signed(r[6])];
      })));
      box.appendChild(div);
    }
    if (u.t) {
      var tdiv = el("div");
      tdiv.appendChild(el("h4", "", L.targets));
      tdiv.appendChild(table("tg", X.target_heads, u.t.map(function (r) {
        return [X.inds[r[0]], r[1] + " (" + r[2] + ")", r[3] + " (" + r[4] + ")", r[5], r[6], r[7],
                el("span", "st st-" + r[8], X.status[r[8]])];
      })));
      box.appendChild(tdiv);
    }
    ub.appendChild(box);
  }
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (d && d.classList && d.classList.contains("unit") && d.open) { fill(d); }
  }, true);
  Array.prototype.forEach.call(document.querySelectorAll("details.unit[open]"), fill);
})();
"""


class HtmlExtras:
    """The extras of one report, prepared once: the sections, and each unit's part of its own section."""

    def __init__(self, ev: Evaluation, extras: ReportExtras, order: list[int], lang: str) -> None:
        self.ev, self.extras, self.lang = ev, extras, lang
        self.d = ev.scorecard.rounding_decimals
        ids = ev.units.ids
        self.anchor = {ids[i]: k for k, i in enumerate(order)}
        self.rank_ids = [ids[i] for i in order]
        self.static = len(ids) <= STATIC_CHARTS
        bands = ev.scorecard.grading.bands if ev.scorecard.grading else ()
        self.band_position = {b.grade: k for k, b in enumerate(bands)}
        self.inds: list[str] = []  # indicator names, indexed by the units' data
        self._ind_index: dict[str, int] = {}
        self.view: TransitionView | None = None
        self.moves: dict[str, Move] = {}
        if extras.transitions is not None:
            self.view = transition_view(extras.transitions, lang)
            self.moves = {m.id: m for m in extras.transitions.moves}
            self.tier_index = {g: k for k, g in enumerate(extras.transitions.grade_ids)}
        self.bench: list[BenchmarkIndicator] | None = None
        if extras.benchmarks is not None:
            self.bench = benchmark_indicators(extras.benchmarks, lang)
            # every figure's text once per indicator, a column at a time
            self.bench_text = [(self._ind(ind.id, ind.name), number_texts(ind.values, 4),
                                number_texts(ind.benchmarks.get("median", [None] * len(ind.values)), self.d),
                                number_texts(ind.benchmarks.get("top_decile", [None] * len(ind.values)), self.d),
                                number_texts(ind.gaps.get("median", [None] * len(ind.values)), self.d, signed=True),
                                number_texts(ind.gaps.get("top_decile", [None] * len(ind.values)), self.d, signed=True))
                               for ind in self.bench]
        self.target_list: list[dict] = []
        self.targets: dict[str, list[list]] = {}
        if extras.targets is not None:
            self.target_list = target_rows(extras.targets, lang)
            rows = self.target_list
            columns = {key: number_texts([r[key] for r in rows], 4) for key in ("baseline", "target", "actual")}
            columns["expected"] = number_texts([r["expected"] for r in rows], self.d)
            for k, r in enumerate(rows):
                cells = [self._ind(r["indicator"], r["indicator_name"]), columns["baseline"][k], r["baseline_period"],
                         columns["target"][k], r["due"], columns["expected"][k], columns["actual"][k],
                         percent_text(r["progress"]), r["status"]]
                r["cells"] = cells
                self.targets.setdefault(r["unit"], []).append(cells)

    def _ind(self, iid: str, name: str) -> int:
        if iid not in self._ind_index:
            self._ind_index[iid] = len(self.inds)
            self.inds.append(name)
        return self._ind_index[iid]

    # ---------------------------------------------------------------------------------------------
    # What html.py asks for

    def toc(self) -> list[tuple[str, str]]:
        out = []
        if self.view is not None:
            out.append(("transitions", label("transitions", self.lang)))
        if self.bench is not None:
            out.append(("benchmarks", label("benchmarks", self.lang)))
        if self.extras.targets is not None:
            out.append(("targets", label("targets", self.lang)))
        return out

    def sections(self) -> str:
        parts = []
        if self.view is not None:
            parts.append(self._transitions())
        if self.bench is not None:
            parts.append(self._benchmarks())
        if self.extras.targets is not None:
            parts.append(self._targets())
        return "".join(parts)

    def unit(self, uid: str) -> str:
        """The unit's part of its own section (large reports: drawn by the script when it is opened)."""
        if not self.static:
            return ""
        data = self.unit_data(uid)
        return self.unit_html(data) if data else ""

    def script(self) -> str:
        """The data and the script that draw the units' parts in large reports ('' in small ones)."""
        if self.static:
            return ""
        units = {}
        for uid, k in self.anchor.items():
            data = self.unit_data(uid)
            if data:
                units[str(k)] = data
        lang = self.lang
        config = {
            "labels": {"colon": "：" if lang == "zh" else ": ",
                       "before": label("tier_in", lang).format(p=self.view.before_period) if self.view else "",
                       "after": label("tier_in", lang).format(p=self.view.after_period) if self.view else "",
                       **{k: label(k, lang) for k in ("total_change", "rank_change", "improved_markedly", "benchmarks",
                                                      "peer_group", "targets")}},
            "tiers": [{"label": t, "pos": self.band_position.get(g)}
                      for g, t in zip(self._comparison().grade_ids, self.view.labels)] if self.view else [],
            "moves": {k: label(v, lang) for k, v in MOVE_KEYS.items()},
            "status": {s: status_label(s, lang) for s in STATUS_COLOURS},
            "inds": self.inds,
            "bench_heads": [label(h, lang) for h in BENCH_HEADS],
            "target_heads": [label(h, lang) for h in TARGET_HEADS],
            "units": units,
        }
        return (f'<script type="application/json" id="ek-extras">{json_script(config)}</script>\n'
                f"<script>{SCRIPT}</script>\n")

    # ---------------------------------------------------------------------------------------------
    # A unit's part: data, and the same as markup

    def unit_data(self, uid: str) -> dict:
        """Compact: m = move [tier before, tier after, move, change in total, places gained, improved markedly];
        g, b = peer group and per indicator [name, value, rank/peers, median, top decile, gap, gap];
        t = targets [name, baseline, period, target, due, expected, actual, progress, status]."""
        out: dict = {}
        if uid in self.moves:
            m = self.moves[uid]
            d = m.to_dict(self._comparison().marked_rule)
            out["m"] = [self.tier_index[m.before["grade"]], self.tier_index[m.after["grade"]], m.direction,
                        number_texts([d["total_gain"]], self.d, signed=True)[0], number_texts([d["rank_gain"]], 0, signed=True)[0],
                        1 if d.get("improved_markedly") else 0]
        if self.bench:
            bm = self._benchmarks_of()
            i = bm.units.index.get(uid)
            if i is not None:
                out["g"] = bm.labels[int(bm.codes[i])]
                rows = []
                for ind, (name, values, med, top, gap_med, gap_top) in zip(self.bench, self.bench_text):
                    rank = int(ind.rank[i])
                    rows.append([name, values[i], f"{rank}/{int(ind.peers[i])}" if rank else "", med[i], top[i],
                                 gap_med[i], gap_top[i]])
                out["b"] = rows
        if uid in self.targets:
            out["t"] = self.targets[uid]
        return out

    def unit_html(self, data: dict) -> str:
        lang = self.lang
        parts = []
        if "m" in data:
            before, after, move, total_gain, rank_gain, marked = data["m"]
            colon = "：" if lang == "zh" else ": "
            grades = self._comparison().grade_ids
            text = (f"{e(label('tier_in', lang).format(p=self._view().before_period))}{colon}{self._tier(grades[before])} → "
                    f"{e(label('tier_in', lang).format(p=self._view().after_period))}{colon}{self._tier(grades[after])} · "
                    f"{e(label(MOVE_KEYS[move], lang))} · {e(label('total_change', lang))} {self._signed(total_gain)} · "
                    f"{e(label('rank_change', lang))} {self._signed(rank_gain)}")
            if marked:
                text += f" · <b>{e(label('improved_markedly', lang))}</b>"
            parts.append(f'<p class="mv">{text}</p>')
        if "b" in data:
            head = "".join(f"<th>{e(label(h, lang))}</th>" for h in BENCH_HEADS)
            rows = "".join(f"<tr><td>{e(self.inds[r[0]])}</td><td>{e(r[1])}</td><td>{e(r[2])}</td><td>{e(r[3])}</td>"
                           f"<td>{e(r[4])}</td><td>{self._signed(r[5])}</td><td>{self._signed(r[6])}</td></tr>" for r in data["b"])
            parts.append(f"<div><h4>{e(label('benchmarks', lang))} · {e(label('peer_group', lang))} {e(data['g'])}</h4>"
                         f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>")
        if "t" in data:
            head = "".join(f"<th>{e(label(h, lang))}</th>" for h in TARGET_HEADS)
            rows = "".join(f"<tr>{self._target_cells(r)}</tr>" for r in data["t"])
            parts.append(f"<div><h4>{e(label('targets', lang))}</h4>"
                         f'<table class="tg"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>')
        return f'<div class="ux">{"".join(parts)}</div>' if parts else ""

    # ---------------------------------------------------------------------------------------------
    # Helpers

    def _tier(self, grade: str) -> str:
        text = self._comparison().label(grade, self.lang)
        position = self.band_position.get(grade)
        return e(text) if position is None else badge(position, text, grade)

    def _link(self, uid: str, name: str) -> str:
        k = self.anchor.get(uid)
        text = f"{e(name)} <code>{e(uid)}</code>"
        return f'<a href="#u{k}">{text}</a>' if k is not None else text

    @staticmethod
    def _signed(text: str) -> str:
        cls = "neg" if text.startswith("-") else "pos" if text and text != "0" else ""
        return f'<span class="{cls}">{e(text)}</span>' if cls else e(text)

    def _status(self, status: str) -> str:
        return f'<span class="st st-{e(status)}">{e(status_label(status, self.lang))}</span>'

    def _target_cells(self, r: list) -> str:
        return (f"<td>{e(self.inds[r[0]])}</td>"
                f'<td>{e(r[1])} <span class="muted">({e(r[2])})</span></td>'
                f'<td>{e(r[3])} <span class="muted">({e(r[4])})</span></td>'
                f"<td>{e(r[5])}</td><td>{e(r[6])}</td><td>{e(r[7])}</td><td>{self._status(r[8])}</td>")

    def _view(self) -> TransitionView:
        """The transitions laid out (the sections that show them are made only when there are some)."""
        if self.view is None:
            raise ValueError("no tier transitions in this report")
        return self.view

    def _comparison(self) -> Comparison:
        if self.extras.transitions is None:
            raise ValueError("no tier transitions in this report")
        return self.extras.transitions

    def _benchmarks_of(self) -> Benchmarks:
        if self.extras.benchmarks is None:
            raise ValueError("no benchmarks in this report")
        return self.extras.benchmarks

    def _assessment(self) -> Assessment:
        if self.extras.targets is None:
            raise ValueError("no targets in this report")
        return self.extras.targets

    def _unit_list(self, ids: Iterable[str]) -> str:
        sep = "、" if self.lang == "zh" else ", "
        return sep.join(self._link(uid, self.moves[uid].name if uid in self.moves else "") for uid in ids)

    # ---------------------------------------------------------------------------------------------
    # Tier transitions

    def _transitions(self) -> str:
        view, lang, c = self._view(), self.lang, self._comparison()
        pb, pa = view.before_period, view.after_period
        grades = c.grade_ids
        out = [f'<section id="transitions"><h2>{e(label("transitions", lang))}</h2>\n',
               f'<p class="meta">{" · ".join(e(line) for line in view.summary_lines())}</p>\n']
        for warning in c.warnings:
            out.append(f'<p class="hint">{e(warning)}</p>\n')
        out.append('<div class="charts">\n')
        # The matrix
        out.append(f"<figure><figcaption>{e(label('matrix', lang))}</figcaption>"
                   '<div class="wrap"><table class="matrix"><thead><tr>'
                   f"<th>{e(view.corner())}</th>" + "".join(f"<th>{self._tier(g)}</th>" for g in grades)
                   + f'<th>{e(label("sum", lang))}</th></tr></thead><tbody>\n')
        for k, (g, row) in enumerate(zip(grades, view.counts)):
            cells = []
            n = sum(row)
            for j, count in enumerate(row):
                cls = ("ms" if j == k else "mu" if j < k else "md") if count else ""
                title = f"{view.labels[k]} → {view.labels[j]}: {count}" + (f" ({percent_text(count / n)})" if n else "")
                cells.append(f'<td{f" class={cls}" if cls else ""} title="{e(title)}">{count}</td>')
            out.append(f"<tr><th>{self._tier(g)}</th>{''.join(cells)}<td><b>{n}</b></td></tr>\n")
        totals = [sum(col) for col in zip(*view.counts)] if view.counts else []
        out.append(f"<tr><th>{e(label('sum', lang))}</th>" + "".join(f"<td><b>{t}</b></td>" for t in totals)
                   + f"<td><b>{len(c.moves)}</b></td></tr>\n</tbody></table></div>"
                   f'<p class="hint">{e(label("matrix_legend", lang).format(a=pb, b=pa))}</p></figure>\n')
        # The shares per starting tier, as bars
        out.append(f"<figure><figcaption>{e(label('shares_chart', lang))}</figcaption>{self._shares_svg()}</figure>\n")
        out.append("</div>\n")
        # The shares per starting tier, as a table
        marked = c.marked_rule is not None
        heads = [label("tier_in", lang).format(p=pb), label("count", lang), label("moved_up", lang), label("stayed", lang),
                 label("moved_down", lang)] + ([label("improved_markedly", lang)] if marked else [])
        out.append(f"<h3>{e(label('per_tier', lang))}</h3>\n<div class=\"wrap\"><table><thead><tr>"
                   + "".join(f'<th{" class=n" if k else ""}>{e(h)}</th>' for k, h in enumerate(heads))
                   + "</tr></thead><tbody>\n")
        last = len(view.tiers) - 1
        for k, tier in enumerate(view.tiers):
            possible = dict(tier_shares(tier, first=k == 0, last=k == last))
            cells = [f"<td>{self._tier(tier.grade)}</td>", f'<td class="n">{len(tier.units)}</td>']
            cells += [f'<td class="n">{e(share_text(possible[key])) if key in possible else "—"}</td>'
                      for key in ("up", "stayed", "down")]
            if marked:
                cells.append(f'<td class="n">{e(share_text(tier.marked))}</td>')
            out.append(f"<tr>{''.join(cells)}</tr>\n")
        out.append("</tbody></table></div>\n")
        # The units behind every move
        out.append(f"<h3>{e(label('units_behind', lang))}</h3>\n")
        for i, j, ids in view.moves():
            out.append(f'<details class="moves"><summary>{self._tier(grades[i])} → {self._tier(grades[j])}: '
                       f"{len(ids)}</summary><p>{self._unit_list(ids)}</p></details>\n")
        if marked:
            for tier in view.tiers:
                if tier.marked.count:
                    out.append(f'<details class="moves"><summary>{self._tier(tier.grade)} · '
                               f'{e(label("improved_markedly", lang))}: {tier.marked.count}</summary>'
                               f"<p>{self._unit_list(tier.marked.units)}</p></details>\n")
        sep = "、" if lang == "zh" else ", "
        for units, what in ((c.only_before, label("only_in_short", lang).format(p=pb)),
                            (c.only_after, label("only_in_short", lang).format(p=pa)),
                            (c.ungraded, label("ungraded_short", lang))):
            if units:
                out.append(f'<details class="moves"><summary>{e(what)}: {len(units)}</summary><p>'
                           + sep.join(self._link(u["id"], u["name"]) for u in units) + "</p></details>\n")
        out.append("</section>\n")
        return "".join(out)

    def _shares_svg(self) -> str:
        view, lang = self._view(), self.lang
        label_w = label_width(view.labels)
        bar_w, row_h, top = 300, 26, 26
        parts = []
        x: float = label_w
        for key, name in MOVE_KEYS.items():  # the legend
            text = label(name, lang)
            parts.append(f'<rect x="{x}" y="4" width="12" height="12" rx="2" fill="{MOVE_COLOURS[key]}"/>'
                         f'<text x="{x + 16}" y="14">{e(text)}</text>')
            x += 16 + 7 * display_width(text) + 16
        last = len(view.tiers) - 1
        for k, tier in enumerate(view.tiers):
            y = top + k * row_h
            n = len(tier.units)
            parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{e(view.labels[k])}</text>')
            if not n:
                parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{bar_w}" height="16" rx="2" fill="#f0f4f8"/>'
                             f'<text x="{label_w + bar_w + 8}" y="{y + 14}" class="muted">0</text>')
                continue
            x = float(label_w)
            for key, name in MOVE_KEYS.items():
                share = getattr(tier, key)
                width = bar_w * share.count / n
                if share.count:
                    parts.append(f'<rect x="{x:.1f}" y="{y + 2}" width="{width:.1f}" height="16" fill="{MOVE_COLOURS[key]}">'
                                 f"<title>{e(view.labels[k])} · {e(label(name, lang))}: {e(share_text(share))}</title></rect>")
                x += width
            # the moves a tier can make: none up from the best tier, none down from the worst
            texts = [f"{ARROWS[key]}{share.percent(1):.1f}%" for key, share in tier_shares(tier, first=k == 0, last=k == last)]
            parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + 14}">{e(" ".join(texts))} (n={n})</text>')
        return svg(label_w + bar_w + 200, top + len(view.tiers) * row_h + 4, label("shares_chart", lang), "".join(parts),
                    "shares")

    # ---------------------------------------------------------------------------------------------
    # Benchmarks

    def _benchmarks(self) -> str:
        lang, bm = self.lang, self._benchmarks_of()
        out = [f'<section id="benchmarks"><h2>{e(label("benchmarks", lang))}</h2>\n',
               f'<p class="meta">{e(label("peers_by", lang).format(by=bm.peer_group))} · {e(bm.period or "")}</p>\n',
               f'<p class="hint">{e(label("gap_note", lang))}</p>\n']
        heads = ["item", "direction", "peer_group", "peers", "peer_median", "top_decile", "below_median"]
        numeric = {"peers", "peer_median", "top_decile", "below_median"}
        out.append('<div class="wrap"><table><thead><tr>'
                   + "".join(f'<th{" class=n" if h in numeric else ""}>{e(label(h, lang))}</th>' for h in heads)
                   + "</tr></thead><tbody>\n")
        directions = {ind.id: "higher" if ind.higher_is_better else "lower" for ind in self.bench or ()}
        groups = benchmark_groups(bm, lang)
        medians = number_texts([g["median"] for g in groups], self.d)
        tops = number_texts([g["top_decile"] for g in groups], self.d)
        for row, median, top in zip(groups, medians, tops):
            out.append(f"<tr><td>{e(row['indicator_name'])}</td><td>{e(direction_text(directions[row['indicator']], lang))}</td>"
                       f"<td>{e(row['group'])}</td><td class=\"n\">{row['n']}</td>"
                       f'<td class="n">{e(median)}</td><td class="n">{e(top)}</td>'
                       f'<td class="n">{"" if row["below_median"] is None else row["below_median"]}</td></tr>\n')
        out.append("</tbody></table></div>\n")
        out.append(f'<p class="hint">{e(label("unit_extras_note", lang))}</p></section>\n')
        return "".join(out)

    # ---------------------------------------------------------------------------------------------
    # Targets

    def _targets(self) -> str:
        lang, assessment = self.lang, self._assessment()
        rows = self.target_list
        out = [f'<section id="targets"><h2>{e(label("targets", lang))}</h2>\n',
               f'<p class="meta">{e(label("period", lang))}: {e(assessment.period)}</p>\n',
               '<div class="counts">' + "".join(f"{self._status(s)} <b>{v}</b>" for s, v in assessment.counts().items())
               + "</div>\n", f'<p class="hint">{e(label("status_rule", lang))}</p>\n']
        counts = status_counts(rows)
        names = {r["indicator"]: r["indicator_name"] for r in rows}
        statuses = list(assessment.counts())
        out.append('<div class="wrap"><table><thead><tr>'
                   f"<th>{e(label('item', lang))}</th>"
                   + "".join(f'<th class="n">{self._status(s)}</th>' for s in statuses)
                   + f'<th class="n">{e(label("sum", lang))}</th></tr></thead><tbody>\n')
        for iid, per in counts.items():
            out.append(f"<tr><td>{e(names[iid])}</td>" + "".join(f'<td class="n">{per[s]}</td>' for s in statuses)
                       + f'<td class="n"><b>{sum(per.values())}</b></td></tr>\n')
        out.append("</tbody></table></div>\n")
        if not self.static:  # every unit's targets are in its section, and all of them in the workbook
            out.append(f'<p class="hint">{e(label("unit_extras_note", lang))}</p></section>\n')
            return "".join(out)
        position = {uid: k for k, uid in enumerate(self.rank_ids)}
        ordered = sorted(rows, key=lambda r: position.get(r["unit"], len(position)))
        out.append(f'<details class="moves" open><summary>{e(label("all_targets", lang).format(n=len(ordered)))}</summary>')
        out.append('<div class="wrap"><table class="tg tl"><thead><tr>'
                   + "".join(f"<th>{e(label(h, lang))}</th>" for h in ("unit",) + TARGET_HEADS) + "</tr></thead><tbody>\n")
        for r in ordered:
            out.append(f"<tr><td>{self._link(r['unit'], r['name'])}</td>{self._target_cells(r['cells'])}</tr>\n")
        out.append("</tbody></table></div></details></section>\n")
        return "".join(out)
