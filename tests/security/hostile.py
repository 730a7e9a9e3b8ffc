"""Hostile strings a user could type into any text field.

Each one must come out inert everywhere the app shows or exports it. The only network addresses
used are loopback (127.0.0.1, ::1) and names under ``.invalid``, which cannot resolve.
"""

SCRIPT = "<script>alert('xss')</script>"
IMG_ONERROR = "<img src=x onerror=alert(1)>"
SVG_ONLOAD = '"><svg/onload=alert(document.cookie)>'
JAVASCRIPT_URL = "javascript:alert(1)"
LINK_JAVASCRIPT = '<a href="javascript:alert(1)">คลิก</a>'
ATTRIBUTE_BREAK = "' onmouseover='alert(1)' x='"
CSS_BREAK = "</style><style>body{display:none}</style>"
CSS_IMPORT = '<link rel=stylesheet href="http://127.0.0.1:9/x.css">@import url(http://hostile.invalid/x.css);'
IFRAME = '<iframe src="http://[::1]:9/"></iframe>'
TEMPLATE_SYNTAX = "{{ request.user.password }}{% debug %}${7*7}"
FORMULA_EQ = '=HYPERLINK("http://127.0.0.1:9/x","x")'
FORMULA_PLUS = "+cmd|' /C calc'!A0"
FORMULA_MINUS = "-1+1"
FORMULA_AT = "@SUM(1)"
FORMULA_TAB = "\t=1+1"
RLO = "โครงการ\u202egnp.exe\u202c ทดสอบ"
ZERO_WIDTH = "ระ\u200bบบ\u200c\u200d\ufeffข้อมูล"
THAI_STACKED = "ก่่่่่่่่ ก้้้้้้้้้ ปั๊๊๊๊๊"
THAI_MIXED = "โครงการพัฒนาระบบ e-Service ๑๒๓ (ระยะที่ 2) & <ข้อมูล> \"เปิด\" 'ภาครัฐ'"
NEWLINES = "บรรทัดแรก\r\nบรรทัดที่สอง\nบรรทัดที่สาม"
LONG = ("ก" + "x" * 9) * 1000  # 10,000 characters
NUL = "ก่อน\x00หลัง"

# Everything that a field of 100 characters or more must keep exactly.
INERT = {
    "script": SCRIPT,
    "img_onerror": IMG_ONERROR,
    "svg_onload": SVG_ONLOAD,
    "javascript_url": JAVASCRIPT_URL,
    "link_javascript": LINK_JAVASCRIPT,
    "attribute_break": ATTRIBUTE_BREAK,
    "css_break": CSS_BREAK,
    "css_import": CSS_IMPORT,
    "iframe": IFRAME,
    "template_syntax": TEMPLATE_SYNTAX,
    "formula_eq": FORMULA_EQ,
    "formula_plus": FORMULA_PLUS,
    "formula_minus": FORMULA_MINUS,
    "formula_at": FORMULA_AT,
    "formula_tab": FORMULA_TAB,
    "rlo": RLO,
    "zero_width": ZERO_WIDTH,
    "thai_stacked": THAI_STACKED,
    "thai_mixed": THAI_MIXED,
}

FORMULAS = [FORMULA_EQ, FORMULA_PLUS, FORMULA_MINUS, FORMULA_AT, FORMULA_TAB]

# Markup that must never appear verbatim in a page (only escaped).
ACTIVE_MARKUP = ["<script>alert", "<img src=x", "<svg/onload", "<a href=\"javascript:", "<iframe",
                 "</style><style>", "<link rel=stylesheet"]  # fmt: skip

assert len(LONG) == 10_000

# The journeys of test_hostile_content: every string above, grouped so that each formula prefix
# starts a value (where a spreadsheet would read it) and the markup rides along behind it.
JOURNEYS = {
    "markup": SCRIPT + IMG_ONERROR + SVG_ONLOAD + LINK_JAVASCRIPT + IFRAME,
    "javascript_url": JAVASCRIPT_URL,
    "formula_eq": FORMULA_EQ + " " + ATTRIBUTE_BREAK + CSS_BREAK,
    "formula_plus": FORMULA_PLUS + " " + CSS_IMPORT,
    "formula_minus": FORMULA_MINUS + " " + TEMPLATE_SYNTAX,
    "formula_at": FORMULA_AT + " " + RLO,
    "formula_tab": FORMULA_TAB + " " + ZERO_WIDTH,
    "thai": THAI_STACKED + " " + THAI_MIXED,
}
assert all(any(text in journey for journey in JOURNEYS.values()) for text in INERT.values())

# --- names of uploaded files (helper "left": KPI evidence of reports; attachments alike) -----
# What a browser may send as a file's name; the stored display name keeps none of its tricks.
FILE_NAMES = {
    "path_traversal": "../../../etc/passwd.pdf",
    "windows_path": "C:\\Windows\\System32\\evil.pdf",
    "nul": "ก่อน\x00หลัง.pdf",
    "markup": IMG_ONERROR + ".pdf",
    "formula": FORMULA_PLUS + ".pdf",
    "rlo": "หลักฐาน\u202efdp.exe",
    "double_extension": "ผลงาน.pdf.exe",
    "long": "ก" * 300 + ".pdf",
    "dots": "....",
}
