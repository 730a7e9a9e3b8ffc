"""One export measurement in a fresh process, so that its peak RSS is its own.

``python -m bench.export_probe KIND YEAR OUT [INPUT]`` prints one JSON line. KIND is ``xlsx``,
``csv`` or ``pdf`` (the plans app's own export functions, from the published version, as the
download view calls them) or ``floor-xlsx``/``floor-csv``/``floor-pdf`` (the same cells or rows,
read from the pickle INPUT, written by openpyxl, csv or WeasyPrint with no application code;
the XLSX floor's cells keep our number formats and bold, so that they are the same cells).
"""

import io
import json
import os
import pickle
import resource  # fallback only
import sys
import time


def _status_mb(field):
    """VmRSS (now) or VmHWM (peak) of this process, in MB, from /proc/self/status."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _start_peak():
    """Reset the peak RSS to the current RSS (Linux clear_refs "5"); return the current RSS.

    ru_maxrss is useless here: Linux carries it over from the forking parent across exec.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    return _status_mb("VmRSS")


def _ours(kind, year):
    import django

    django.setup()
    from django.utils import translation

    from plans.exports.csv import build_plan_csv
    from plans.exports.document import plan_document
    from plans.exports.pdf import build_plan_pdf
    from plans.exports.xlsx import build_plan_xlsx
    from plans.models import PlanVersion

    build = {"xlsx": build_plan_xlsx, "csv": build_plan_csv, "pdf": build_plan_pdf}[kind]
    translation.activate("th")
    version = PlanVersion.objects.filter(round__fiscal_year=year).order_by("-number").first()
    version.snapshot  # noqa: B018 (loaded before the clock starts, as the view has it too)
    base = _start_peak()
    t0 = time.perf_counter()
    content = build(plan_document(version))
    return content, time.perf_counter() - t0, base


def _floor(kind, data):
    # Each floor's library is imported before the clock starts, as ours are (with Django).
    if kind == "floor-xlsx":
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
    elif kind == "floor-csv":
        import csv
    else:
        import html

        import fontpkg_sarabun
        import weasyprint
    base = _start_peak()
    t0 = time.perf_counter()
    if kind == "floor-xlsx":
        workbook = Workbook(write_only=True)
        bold = Font(bold=True)
        for title, rows in data:
            sheet = workbook.create_sheet(title=title)
            for row in rows:
                cells = []
                for value in row:
                    if type(value) is tuple:  # (value, number format, bold): a styled cell
                        value, number_format, is_bold = value
                        value = WriteOnlyCell(sheet, value=value)
                        if isinstance(value.value, str):
                            value.data_type = "s"
                        value.number_format = number_format
                        if is_bold:
                            value.font = bold
                    cells.append(value)
                sheet.append(cells)
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    elif kind == "floor-csv":
        text = io.StringIO()
        csv.writer(text).writerows(data)
        content = ("\ufeff" + text.getvalue()).encode()
    else:
        font = (fontpkg_sarabun.ROOT / "files" / "Sarabun-Regular.ttf").as_uri()
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
            for row in data
        )
        document = (
            "<html><head><meta charset='utf-8'><style>"
            f"@font-face {{ font-family: Sarabun; src: url('{font}'); }}"
            "@page { size: A4 landscape; margin: 12mm; }"
            "body { font-family: Sarabun; font-size: 9pt; }"
            "table { border-collapse: collapse; width: 100%; table-layout: fixed; }"
            "td { border: 0.5pt solid #999; padding: 2pt; }"
            f"</style></head><body><table>{body}</table></body></html>"
        )
        content = weasyprint.HTML(string=document).write_pdf()
    return content, time.perf_counter() - t0, base


def main(argv):
    kind, year, out = argv[0], int(argv[1]), argv[2]
    if kind.startswith("floor-"):
        with open(argv[3], "rb") as f:
            data = pickle.load(f)  # noqa: S301 (our own file, written by bench.exports)
        content, seconds, base = _floor(kind, data)
    else:
        content, seconds, base = _ours(kind, year)
    with open(out, "wb") as f:
        f.write(content)
    peak = _status_mb("VmHWM")
    print(json.dumps({
        "kind": kind, "seconds": round(seconds, 3), "bytes": len(content),
        "peak_rss_mb": round(peak, 1), "added_rss_mb": round(peak - base, 1), "pid": os.getpid(),
    }))  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
