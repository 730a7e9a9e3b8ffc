"""The one table ``make bench`` prints, and the pass/miss verdict of every target."""

from . import meeting


def _verdict(ok):
    if ok is None:
        return "n/a"
    return "pass" if ok else "MISS"


def _fig(row):
    if not row.get("requests"):
        return f"cut off: one request took over {row.get('cut_off_after_s')} s"
    return f"{row['p50_ms']} / {row['p95_ms']} ms, {row['queries']} q ({row['requests']} req)"


def _load(averages):
    return f"{averages[0]:.2f}" if averages else "?"


def _p95(row):
    return row["p95_ms"] if row.get("requests") else float("inf")


class _Table:
    """The rows of the table, and the verdicts of the rows that carry a target."""

    def __init__(self):
        self.rows = []  # (measure, size, figure, target, verdict)
        self.verdicts = []

    def add(self, measure, size, figure, target="", ok=None):
        verdict = _verdict(ok) if target else ""
        self.rows.append((measure, size, figure, target, verdict))
        if target:
            self.verdicts.append({"measure": measure, "size": size, "figure": figure,
                                  "target": target, "verdict": verdict})  # fmt: skip

    def render(self) -> str:
        header = ("measure", "size", "figure", "target", "verdict")
        rows = self.rows + [("measure", "size", "figure", "target", "")]
        widths = [max(len(str(r[i])) for r in rows) for i in range(5)]
        lines = [" | ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True))]
        lines.append("-+-".join("-" * w for w in widths))
        lines += [
            " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in self.rows
        ]
        return "\n".join(lines)


def table(results):
    t = results["targets"]
    out = _Table()
    scales = [s for s in results["scales"] if s["pages"]]
    for s in scales:
        _add_scale(out, s, t)
    _add_constant_queries(out, scales)
    meeting.report_rows(out, [s for s in results["scales"] if s.get("meeting_same_agenda")], t)
    for size, e in sorted(results["exports"].items(), key=lambda kv: int(kv[0])):
        for kind in ("xlsx", "csv", "pdf"):
            _add_export(out, int(size), kind, e[kind], t)
    return out.render(), out.verdicts


def _add_scale(out, s, t):
    """The pages and the voting measured at one size of the database."""
    n, p = s["n"], s["pages"]
    size = f"{n:,}"
    if "cpu_check_ms_before" in s:
        out.add(
            "machine: load average; CPU check ms",
            size,
            f"load {_load(s.get('load_average_before'))} → {_load(s.get('load_average_after'))}; "
            f"CPU check {s['cpu_check_ms_before']} → {s.get('cpu_check_ms_after', '?')} ms",
        )
    inboxes = (
        ("inbox", "inbox /screening/"),
        ("inbox_filtered", "inbox ?stage=downstream&min_amount=1000000"),
    )
    for key, label in inboxes:
        _add_inbox(out, n, p[key], p[key.replace("inbox", "admin")], label, t)
    out.add(
        "plan page /plans/2568/ p50/p95 ms",
        f"{n:,} approved",
        _fig(p["plan"]),
        f"p95 ≤ {t['plan_p95_ms']} ms at 10,000" if n == 10_000 else "",
        _p95(p["plan"]) <= t["plan_p95_ms"] if n == 10_000 else None,
    )
    if s.get("progress_pages"):
        _add_progress(out, n, s["progress_pages"], s.get("progress_counts", {}), t)
    items = s["counts"]["agenda_items"]
    out.add("meeting view p50/p95 ms", f"{n:,} ({items} items)", _fig(p["meeting"]))
    out.add("meeting state.json p50/p95 ms", f"{n:,} ({items} items)", _fig(p["meeting_state"]))
    if s.get("voting_error"):
        out.add("voting", f"{n:,}", f"failed: {s['voting_error'][:80]}", "zero lost", False)
    if s.get("voting"):
        _add_voting(out, n, s["voting"], t)


def _add_progress(out, n, pages, counts, t):
    """The execution dashboard and progress.json, measured in turns with the plan page."""
    reports = f"{n:,} × 4 quarters ({counts.get('reports', '?'):,} reports)"
    out.add("  plan page, in turns with progress", f"{n:,} approved",
            _fig(pages["plan_beside_progress"]))  # fmt: skip
    for key, label in (("progress", "progress/"), ("progress_json", "progress.json")):
        out.add(
            f"progress {label} p50/p95 ms, queries",
            reports,
            _fig(pages[key]),
            f"p95 ≤ {t['progress_p95_ms']} ms at 10,000",
            _p95(pages[key]) <= t["progress_p95_ms"] if n >= 10_000 else None,
        )


def _add_inbox(out, n, row, admin_row, label, t):
    at_target_size = n >= 100_000
    out.add(
        f"{label} p50/p95 ms, queries",
        f"{n:,}",
        _fig(row),
        f"p95 ≤ {t['inbox_p95_ms']} ms at 100,000",
        (_p95(row) <= t["inbox_p95_ms"]) if at_target_size else None,
    )
    out.add("  admin changelist, same filter", f"{n:,}", _fig(admin_row))
    out.add(
        "  ours/admin (p50, p95)",
        f"{n:,}",
        f"{row.get('admin_ratio_p50')}, {row.get('admin_ratio_p95')}",
        f"≤ {t['admin_ratio']}",
        row.get("admin_ratio_p95", float("inf")) <= t["admin_ratio"],
    )


def _add_voting(out, n, v, t):
    for r in v["rounds"]:
        out.add(
            f"voting: {r['round']}",
            f"{n:,}",
            f"{r['votes_per_second']} req/s, p50 {r['p50_ms']} p95 {r['p95_ms']} ms, "
            f"{r['votes_in_db']}/{r['expected_votes']} votes, lost {r['lost']}, "
            f"doubled {r['doubled']}, events {r['audit_events_for_item']}",
        )
    out.add(
        "voting: zero lost or doubled",
        f"{n:,}",
        str(v["no_vote_lost_or_doubled"]),
        "zero lost",
        v["no_vote_lost_or_doubled"],
    )
    one_each = v.get("p95_ms_one_vote_each", v["p95_ms"])
    out.add(
        "voting: p95, 30 members at once (worse round)",
        f"{n:,}",
        f"{one_each} ms",
        f"≤ {t['vote_p95_ms']} ms",
        one_each <= t["vote_p95_ms"],
    )
    if v.get("floor"):
        for r in v["floor"]:
            out.add(f"voting {r['round']}", f"{n:,}",
                    f"p50 {r['p50_ms']} p95 {r['p95_ms']} ms, {r['rows']} rows, "
                    f"{r['events']} events")  # fmt: skip
        out.add(
            "voting: p95 / floor p95 (same run)",
            f"{n:,}",
            f"{one_each} / {v['floor_p95_ms']} ms = ×{v['floor_ratio_p95']}",
            f"≤ {t['vote_floor_ratio']}",
            v["floor_ok"] and (v["floor_ratio_p95"] or float("inf")) <= t["vote_floor_ratio"],
        )


def _add_constant_queries(out, scales):
    if len(scales) <= 1:
        return
    for query_key in ("inbox", "inbox_filtered"):
        counts = {s["pages"][query_key].get("queries") for s in scales}
        out.add(
            f"{query_key} query count constant",
            ", ".join(f"{s['n']:,}" for s in scales),
            " / ".join(str(s["pages"][query_key].get("queries")) for s in scales),
            "constant",
            len(counts) == 1,
        )
    measured = [s for s in scales if s.get("progress_pages")]
    if len(measured) <= 1:
        return
    for query_key in ("progress", "progress_json"):
        counts = {s["progress_pages"][query_key].get("queries") for s in measured}
        out.add(
            f"{query_key} query count constant",
            ", ".join(f"{s['n']:,}" for s in measured),
            " / ".join(str(s["progress_pages"][query_key].get("queries")) for s in measured),
            "constant",
            len(counts) == 1,
        )


_FLOORS = {"xlsx": "openpyxl write-only", "csv": "csv.writer", "pdf": "WeasyPrint bare table"}


def _add_export(out, n, kind, e, t):
    """One export's time and memory, against its floor (the bare library writing the rows)."""
    if "ours" not in e:
        out.add(f"plan.{kind} time", f"{n:,} projects",
                f"cut off: ran longer than {e['cut_off_after_s']} s")  # fmt: skip
        return
    ours, floor = e["ours"], e["floor"]
    if "cut_off_after_s" in floor:
        out.add(f"plan.{kind} time, peak RSS (added)", f"{n:,} projects",
                f"{ours['seconds']} s, {ours['peak_rss_mb']} MB (+{ours['added_rss_mb']}); "
                f"floor cut off after {floor['cut_off_after_s']} s")  # fmt: skip
        return
    out.add(
        f"plan.{kind} time, peak RSS (added)",
        f"{n:,} projects",
        f"{ours['seconds']} s, {ours['peak_rss_mb']} MB (+{ours['added_rss_mb']})",
    )
    target, ok = "", None
    if kind in ("xlsx", "pdf"):
        if n == 110:
            limit = t[f"{kind}_110_s"]
            out.add(f"  plan.{kind} of 110 within", "110 projects", f"{ours['seconds']} s",
                    f"≤ {limit} s", ours["seconds"] <= limit)  # fmt: skip
        limit = t[f"{kind}_floor_ratio"]
        target, ok = f"≤ {limit}", e["ratio_time"] <= limit
    out.add(f"  floor ({_FLOORS[kind]}); ours/floor",
            f"{n:,} projects",
            f"{floor['seconds']} s, {floor['peak_rss_mb']} MB (+{floor['added_rss_mb']}); "
            f"×{e['ratio_time']} time, ×{e['ratio_added_rss']} memory",
            target, ok)  # fmt: skip
