"""Fixed timestamps inside ZIP-based files, so that a version's XLSX is the same bytes forever."""

import io
import re
import zipfile

_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")
_CREATED = re.compile(rb"<dcterms:created([^>]*)>[^<]*</dcterms:created>")


def fix_zip_timestamps(content: bytes, moment) -> bytes:
    """Rewrite a ZIP (an XLSX) with every entry dated ``moment`` and core.xml's dates fixed.

    openpyxl stamps the save time into docProps/core.xml and zipfile stamps it on each entry.
    """
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    date_time = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    source = zipfile.ZipFile(io.BytesIO(content))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(
                    rb"<dcterms:modified\1>" + stamp + rb"</dcterms:modified>", data
                )
                data = _CREATED.sub(rb"<dcterms:created\1>" + stamp + rb"</dcterms:created>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, data)
    return output.getvalue()
