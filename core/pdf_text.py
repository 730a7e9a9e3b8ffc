"""The text layer of our PDFs: copying or searching a PDF gives back the Thai that was typed.

Why SARA AM (ำ, U+0E33) needs help
----------------------------------
HarfBuzz's Thai shaper (and Sarabun's own ``ccmp`` feature) draws ำ as two glyphs, NIKHAHIT and
SARA AA, and moves the NIKHAHIT in front of a tone mark so that the two can stack (น้ำ is drawn
น, NIKHAHIT+MAI THO ligature, SARA AA). A PDF says which text each *glyph* stands for (its
ToUnicode map), and WeasyPrint fills that map glyph by glyph, first come first served, from the
text of the glyph's cluster. The SARA AA glyph is the one that also draws า, so one map can never
be right for both: either every า became ำ (สำนักงำน), or ำ became ํ+า and the commonest Thai
words could not be found with Ctrl-F (the text was once rewritten that way on purpose).

The fix, at the font
--------------------
Before WeasyPrint loads a font we serve (``pdf_font``), we give the SARA AA of a SARA AM a glyph
of its own: ``uni0E32.sara_am``, a composite of the SARA AA glyph (so it looks exactly the same),
substituted by one GSUB lookup that runs after the font's own ones, wherever a SARA AA follows a
NIKHAHIT glyph (alone, narrow, or in a ligature with a tone mark). Then each glyph has one text:

* ``uni0E32.sara_am`` stands for ``ำ``;
* NIKHAHIT glyphs stand for the marks drawn with them less the NIKHAHIT: nothing for NIKHAHIT
  alone, ``้`` for the NIKHAHIT+MAI THO ligature, and so on;
* SARA AA stands for ``า`` as always.

So น้ำ reads น + ้ + ำ, exactly what was typed. Those texts are "pinned": ``PinnedTextFonts``, a
``dict`` given to WeasyPrint as the document's font table, writes them into each such font's
map as WeasyPrint creates it, before any glyph is drawn, so WeasyPrint's first-come rule keeps
them. Nothing of WeasyPrint is patched and the typed text is never rewritten. Two consequences,
both on spellings nobody types: a lone NIKHAHIT (U+0E4D) is drawn but not copied, and the
decomposed spelling ํ+า is copied as ำ.

Characters that no font has
---------------------------
Emoji come from Noto Color Emoji (Debian's fonts-noto-color-emoji, installed by
scripts/system-deps.sh), which Fontconfig picks for the characters Sarabun lacks. It is not named
in the templates' font stacks: named there, Pango draws the digits and spaces with the emoji
font's keycap glyphs (wide, spaced out). A character that no font has at all would be drawn as an
empty box; ``render_pdf`` then draws the document again with each such character replaced by
``MISSING_MARKER`` (``without_missing_characters``).
"""

from __future__ import annotations

import hashlib
import io
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables import otTables

NIKHAHIT = "\u0e4d"  # ํ
SARA_AA = "\u0e32"  # า
SARA_AM = "\u0e33"  # ำ
ALIAS_SUFFIX = ".sara_am"
# Drawn instead of a character that no font has (an emoji newer than the emoji font, a private
# use character): plain ASCII, so every font draws it and a reader sees that something is missing.
MISSING_MARKER = "[?]"
FONT_SUFFIXES = {".ttf", ".otf"}

# (length, SHA-256) of a font file we patched → {glyph id: the text that glyph stands for}.
_pinned_by_font: dict[tuple[int, bytes], dict[int, str]] = {}
_pinned_lock = threading.Lock()


def pdf_font(path: Path) -> bytes:
    """The bytes WeasyPrint gets for a font file: with a SARA AM of its own when it is Thai."""
    stat = path.stat()
    return _patched_font(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _patched_font(path: str, mtime_ns: int, size: int) -> bytes:
    data = Path(path).read_bytes()
    patched = with_sara_am_glyph(data)
    if patched is None:
        return data
    content, pinned = patched
    with _pinned_lock:
        _pinned_by_font[_font_key(content)] = pinned
    return content


def _font_key(content: bytes) -> tuple[int, bytes]:
    return len(content), hashlib.sha256(content).digest()


def pinned_text(content: bytes) -> dict[int, str]:
    """The pinned glyph texts of a font file we patched (empty for any other font)."""
    if not any(length == len(content) for length, _ in list(_pinned_by_font)):
        return {}  # cheap: most fonts (the emoji font, 10 MB) are not hashed at all
    return _pinned_by_font.get(_font_key(content), {})


class PinnedTextFonts(dict):
    """WeasyPrint's ``Document.fonts``: pins glyph texts into each font as it is added.

    WeasyPrint adds a ``weasyprint.pdf.fonts.Font`` here the first time a font is drawn, and
    then maps each glyph to Unicode only when the glyph has no text yet (``font.to_unicode``),
    so texts written here first are the ones the PDF keeps.
    """

    def __setitem__(self, key, font):
        for glyph_id, text in pinned_text(getattr(font, "file_content", b"")).items():
            font.to_unicode.setdefault(glyph_id, text)
        super().__setitem__(key, font)

    def missing_codepoints(self) -> set[int]:
        """Code points drawn as empty boxes (.notdef) because no font had them."""
        return {codepoint for font in self.values() for codepoint in getattr(font, "missing", {})}


def without_missing_characters(html: str, missing) -> str:
    """The HTML with each character that no font has written as ``MISSING_MARKER``.

    Invisible format characters (variation selectors, joiners) are dropped instead: they draw
    nothing anyway, and an emoji that is drawn must not be followed by a marker.
    """
    for codepoint in missing:
        character = chr(codepoint)
        html = html.replace(character, "" if _invisible(character) else MISSING_MARKER)
    return html


def _invisible(character: str) -> bool:
    codepoint = ord(character)
    return (
        unicodedata.category(character) == "Cf"
        or 0xFE00 <= codepoint <= 0xFE0F
        or 0xE0100 <= codepoint <= 0xE01EF
    )


def with_sara_am_glyph(data: bytes) -> tuple[bytes, dict[int, str]] | None:
    """The font with a SARA AA glyph of its own for SARA AM, and the texts to pin; or None.

    None when the font has no NIKHAHIT, SARA AA or ``ccmp`` feature (nothing to do).
    """
    # The same bytes every time (no new modification date): a plan version's PDF never changes.
    # No bounding boxes recomputed either: that would decode and re-encode every glyph (0.4 s a
    # face); the one new glyph gets the bounds of the glyph it repeats.
    font = TTFont(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False)
    cmap = font.getBestCmap() or {}
    if ord(NIKHAHIT) not in cmap or ord(SARA_AA) not in cmap or "GSUB" not in font:
        return None
    if "glyf" not in font:  # a CFF font would need a CFF glyph; Sarabun is TrueType
        return None
    gsub = font["GSUB"].table
    ccmp = [r.Feature for r in gsub.FeatureList.FeatureRecord if r.FeatureTag == "ccmp"]
    if not ccmp:
        return None
    sara_aa = cmap[ord(SARA_AA)]
    texts = _glyph_texts(font)
    nikhahits = sorted((g for g, t in texts.items() if NIKHAHIT in t), key=font.getGlyphID)
    marks = _mark_glyphs(font) - set(nikhahits)

    alias = _add_alias_glyph(font, sara_aa)
    _substitute_after_nikhahit(font, gsub, ccmp, sara_aa, alias, nikhahits, marks)
    if "DSIG" in font:  # the signature no longer matches
        del font["DSIG"]

    output = io.BytesIO()
    font.save(output)
    pinned = {font.getGlyphID(alias): SARA_AM}
    for glyph in nikhahits:
        pinned[font.getGlyphID(glyph)] = texts[glyph].replace(NIKHAHIT, "", 1)
    return output.getvalue(), pinned


def _add_alias_glyph(font: TTFont, sara_aa: str) -> str:
    """A new glyph drawing SARA AA (as a component), with its advance, bounds and class."""
    alias = sara_aa + ALIAS_SUFFIX
    pen = TTGlyphPen({sara_aa: None})
    pen.addComponent(sara_aa, (1, 0, 0, 1, 0, 0))
    glyph = pen.glyph()
    original = font["glyf"][sara_aa]
    glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax = (
        original.xMin,
        original.yMin,
        original.xMax,
        original.yMax,
    )
    font["glyf"][alias] = glyph
    font["hmtx"][alias] = font["hmtx"][sara_aa]
    font.setGlyphOrder(font.getGlyphOrder())  # refresh the name → id map
    if "GDEF" in font and font["GDEF"].table.GlyphClassDef:
        class_defs = font["GDEF"].table.GlyphClassDef.classDefs
        if sara_aa in class_defs:
            class_defs[alias] = class_defs[sara_aa]
    return alias


def _substitute_after_nikhahit(font, gsub, ccmp, sara_aa, alias, nikhahits, marks) -> None:
    """SARA AA → alias after a NIKHAHIT glyph, or after a NIKHAHIT glyph and one other mark;
    the rule runs last in ``ccmp`` (HarfBuzz runs the highest lookup index after the font's)."""
    lookups = gsub.LookupList.Lookup
    single = _lookup(1, [_single_subst({sara_aa: alias})])
    lookups.append(single)
    single_index = len(lookups) - 1
    rules = [_chain_rule(font, [nikhahits], sara_aa, single_index)]
    if marks:
        rules.append(_chain_rule(font, [marks, nikhahits], sara_aa, single_index))
    lookups.append(_lookup(6, rules))
    gsub.LookupList.LookupCount = len(lookups)
    for feature in ccmp:
        feature.LookupListIndex.append(len(lookups) - 1)
        feature.LookupCount = len(feature.LookupListIndex)


def _glyph_texts(font: TTFont) -> dict[str, str]:
    """The text each glyph draws: from the cmap, then through single, alternate and ligature
    substitutions of GSUB (a ligature draws its components' texts), until nothing changes."""
    texts: dict[str, str] = {}
    for codepoint, glyph in sorted(font.getBestCmap().items()):
        texts.setdefault(glyph, chr(codepoint))
    substitutions = []
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for subtable in lookup.SubTable:
            kind = lookup.LookupType
            if kind == 7:  # extension
                kind, subtable = subtable.ExtensionLookupType, subtable.ExtSubTable
            if kind == 1:
                substitutions += [([a], b) for a, b in subtable.mapping.items()]
            elif kind == 3:
                substitutions += [([a], b) for a, bs in subtable.alternates.items() for b in bs]
            elif kind == 4:
                substitutions += [
                    ([first, *ligature.Component], ligature.LigGlyph)
                    for first, ligatures in subtable.ligatures.items()
                    for ligature in ligatures
                ]
    changed = True
    while changed:
        changed = False
        for inputs, output in substitutions:
            if output not in texts and all(glyph in texts for glyph in inputs):
                texts[output] = "".join(texts[glyph] for glyph in inputs)
                changed = True
    return texts


def _mark_glyphs(font: TTFont) -> set[str]:
    if "GDEF" not in font or not font["GDEF"].table.GlyphClassDef:
        return set()
    return {g for g, c in font["GDEF"].table.GlyphClassDef.classDefs.items() if c == 3}


def _lookup(kind: int, subtables) -> otTables.Lookup:
    lookup = otTables.Lookup()
    lookup.LookupType = kind
    lookup.LookupFlag = 0
    lookup.SubTable = subtables
    lookup.SubTableCount = len(subtables)
    return lookup


def _single_subst(mapping: dict[str, str]) -> otTables.SingleSubst:
    subtable = otTables.SingleSubst()
    subtable.mapping = mapping
    return subtable


def _coverage(font: TTFont, glyphs) -> otTables.Coverage:
    coverage = otTables.Coverage()
    coverage.glyphs = sorted(set(glyphs), key=font.getGlyphID)
    return coverage


def _chain_rule(font, backtrack, glyph, lookup_index) -> otTables.ChainContextSubst:
    """Format 3: ``glyph`` preceded by ``backtrack`` (nearest first) goes through the lookup."""
    rule = otTables.ChainContextSubst()
    rule.Format = 3
    rule.BacktrackCoverage = [_coverage(font, glyphs) for glyphs in backtrack]
    rule.BacktrackGlyphCount = len(backtrack)
    rule.InputCoverage = [_coverage(font, [glyph])]
    rule.InputGlyphCount = 1
    rule.LookAheadCoverage = []
    rule.LookAheadGlyphCount = 0
    record = otTables.SubstLookupRecord()
    record.SequenceIndex = 0
    record.LookupListIndex = lookup_index
    rule.SubstLookupRecord = [record]
    rule.SubstCount = 1
    return rule
