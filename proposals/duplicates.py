"""Likely duplicate projects between agencies, found in Thai text without word boundaries.

Thai is written without spaces between words, so word-based similarity would depend on a word
segmenter's guesses. Instead each compared field of a proposal (title, summary, objectives,
outputs: ``FIELDS``) is *normalised* (Thai digits read as Arabic, lower case, agency names and
generic words such as โครงการ / ระบบ / การพัฒนา removed, spaces and punctuation dropped) and cut
into overlapping character trigrams. Spacing, punctuation, digit style and agency wording do not
change the trigrams, and reordered phrases keep almost all of them.

**Stock phrases weigh little.** Proposals of a round share stock phrases ("เพื่อยกระดับการให้บริการ
ประชาชนด้วยเทคโนโลยีดิจิทัล"); counted like any other text they chain unrelated projects together.
Each trigram is weighted by its inverse document frequency over the round (``Weights``): a
trigram found in ``df`` of the round's proposals weighs ``log((L + 1) / df)``, where ``L``, the
*stock limit*, is a quarter of the round but at least ``STOCK_MIN_DOCS`` proposals; a trigram
found in more than ``L`` proposals is stock and weighs nothing. A trigram of one proposal weighs
``log(L + 1)``, one of two proposals a little less, one of most proposals nearly nothing.

**Each field is compared on its own**, by the cosine of the two TF-IDF vectors (1: the same
informative text; 0: nothing informative in common). The fields are then averaged with their
weights (``FIELDS``: the title counts most), each weight multiplied by the field's
*specificity* in the pair: how far its text is from stock (1: only rare trigrams; 0: only stock
ones; the geometric mean of the two proposals'). A field that is only stock phrases in both
proposals (the same boilerplate objectives) therefore counts for nothing, however equal, while
two proposals that share everything score 1 even when several agencies filed the same text.
A field empty in either proposal is left out. The score says which fields matched and how much
each counted (``Score.fields``).

**Groups do not chain.** A group (``find_clusters``) is built by complete linkage: pairs are
taken best first, and two groups merge only when every pair of their members from different
agencies scores at least the threshold. One boilerplate link cannot pull unrelated projects in.

Cost: normalising and cutting one text is O(length) (cached per text); the round's document
frequencies are one pass. Pairs are found through one inverted index per field, probed with
each proposal's heaviest trigrams only (prefix filtering, ``_Index``); a candidate's score is
bounded from the probed part and computed exactly only where the bound reaches the threshold.
Stock trigrams are not indexed at all. docs/DUPLICATES.md has the measurements.
"""

import bisect
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, chain, islice
from operator import mul
from typing import NamedTuple

from django.utils.translation import gettext_lazy as _
from pythainlp.util import thai_digit_to_arabic_digit

from .models import Proposal
from .workflow import SENT_TO_DGA, Status

# Chosen on the labelled pairs of tests/screening/duplicate_pairs.py (docs/DUPLICATES.md).
DEFAULT_THRESHOLD = 0.35
FIELD_CHARS = 600  # of each field; a duplicate shows in its first paragraph
STOCK_MIN_DOCS = 10
STOCK_FRACTION = 0.25
STOCK_SHARE = 0.5  # a field this much stock trigrams is said to be "stock phrases"
ROUNDING = 0.001  # scores are rounded to three places


class ComparedField(NamedTuple):
    name: str  # the Proposal field
    weight: float
    label: str


FIELDS = (
    ComparedField("title_th", 0.3, _("title")),
    ComparedField("summary", 0.4, _("summary")),
    ComparedField("objectives", 0.15, _("objectives")),
    ComparedField("outputs", 0.15, _("outputs")),
)
N_FIELDS = len(FIELDS)

# Generic words of project titles: they say nothing about *which* project it is. Removed in
# this order (longer phrases before the words inside them: โครงการ before การ…).
GENERIC_WORDS = [
    "โครงการ", "การพัฒนา", "พัฒนา", "ระบบ", "ยกระดับ", "ปรับปรุง", "จัดทำ", "จัดหา",
    "บริหารจัดการ", "แห่งชาติ", "ภาครัฐ", "เพื่อ", "ของ", "และ", "ปีงบประมาณ", "ประจำปี", "ระยะที่",
    "project", "system", "development", "develop", "the", "of", "and", "for",
]  # fmt: skip
# Words that name a kind of agency; with the agency's own name they are "agency wording".
AGENCY_WORDS = sorted(
    ["กระทรวง", "สำนักงาน", "องค์การมหาชน", "องค์การ", "กรม", "สำนัก", "(องค์การมหาชน)"],
    key=len,
    reverse=True,
)
_NOT_LETTER = re.compile(r"[^0-9a-z\u0e01-\u0e2e\u0e30-\u0e3a\u0e40-\u0e4e]+")
_YEAR = re.compile(r"(?:พ\.?ศ\.?\s*)?25\d\d")


def normalise(text: str, *, agency_names=()) -> str:
    """The text reduced to what identifies a project (see the module docstring)."""
    text = thai_digit_to_arabic_digit(text or "").lower()
    for name in sorted((n.lower() for n in agency_names if n), key=len, reverse=True):
        text = text.replace(name, " ")
    text = _YEAR.sub(" ", text)
    text = _NOT_LETTER.sub("", text)
    for word in GENERIC_WORDS:
        text = text.replace(word, "")
    for word in AGENCY_WORDS:
        text = text.replace(re.sub(r"[()]", "", word), "")
    return text


@lru_cache(maxsize=50_000)
def field_grams(text: str, agency_names: tuple = ()) -> tuple:
    """((trigram, count), …) of one field's text, normalised (cached: the same texts come back
    on every page)."""
    norm = normalise(text[:FIELD_CHARS], agency_names=agency_names)
    if len(norm) < 3:
        return ((norm, 1),) if norm else ()
    return tuple(Counter(norm[i : i + 3] for i in range(len(norm) - 2)).items())


@dataclass(frozen=True)
class Document:
    """A proposal's compared fields as trigram counts, before any weighting."""

    pk: int
    agency_id: int
    fields: tuple  # one ((gram, count), …) per FIELDS entry


def document(*, pk, agency_id, texts, agency_names=()) -> Document:
    """``texts``: one text per ``FIELDS`` entry (missing ones empty)."""
    texts = tuple(texts) + ("",) * (N_FIELDS - len(texts))
    return Document(pk, agency_id, tuple(field_grams(t or "", tuple(agency_names)) for t in texts))


class Weights:
    """How much each trigram tells the round's projects apart (inverse document frequency)."""

    def __init__(self, documents):
        df = Counter()
        for doc in documents:
            df.update({gram for grams in doc.fields for gram, _count in grams})
        self.size = len(documents)
        self.stock_limit = max(STOCK_MIN_DOCS, int(STOCK_FRACTION * self.size))
        self.unique = math.log(self.stock_limit + 1)  # a trigram of one proposal
        limit = self.stock_limit + 1
        self.by_gram = {g: (math.log(limit / n) if n < limit else 0.0) for g, n in df.items()}

    def of(self, gram) -> float:
        return self.by_gram.get(gram, self.unique)


@dataclass(frozen=True)
class FieldVector:
    weights: dict  # gram → TF-IDF weight, unit length, heaviest first; no stock trigrams
    specificity: float  # 0: only stock phrases … 1: only trigrams of one proposal
    present: bool  # the field has text at all
    top: tuple  # top[k]: the sum of the k largest squared weights
    grams: tuple = ()  # ((gram, count), …): the text before weighting
    stock: float = 0.0  # the share of its trigrams that are stock


EMPTY = FieldVector({}, 0.0, False, (0.0,))


def field_vector(grams, weights: Weights) -> FieldVector:
    if not grams:
        return EMPTY
    vector = {}
    tf_square = tf_total = stock = 0
    for gram, count in grams:
        tf_square += count * count
        tf_total += count
        w = weights.of(gram)
        if w > 0:
            vector[gram] = count * w
        else:
            stock += count
    tf_norm = math.sqrt(tf_square)
    norm = math.sqrt(sum(x * x for x in vector.values()))
    if not norm:
        return FieldVector({}, 0.0, True, (0.0,), grams, 1.0)
    # Heaviest (rarest) first: the index probes a prefix of this order (``_Index``).
    unit = {g: x / norm for g, x in sorted(vector.items(), key=lambda item: (-item[1], item[0]))}
    squares = [x * x for x in unit.values()]
    specificity = min(1.0, norm / (tf_norm * weights.unique))
    top = (0.0, *accumulate(squares))
    return FieldVector(unit, specificity, True, top, grams, stock / tf_total)


@dataclass(frozen=True)
class Fingerprint:
    pk: int
    agency_id: int
    fields: tuple  # one FieldVector per FIELDS entry


def fingerprint(doc: Document, weights: Weights) -> Fingerprint:
    return Fingerprint(doc.pk, doc.agency_id, tuple(field_vector(g, weights) for g in doc.fields))


@dataclass(frozen=True)
class FieldMatch:
    """How one field compared: its cosine, and its share of the score."""

    name: str
    label: str
    value: float  # 0 … 1
    share: float  # 0 … 1: how much of the score this field decided
    stock: bool  # mostly stock trigrams (in either proposal)

    @property
    def percent(self) -> int:
        return round(self.value * 100)

    @property
    def share_percent(self) -> int:
        return round(self.share * 100)


class Score(float):
    """A similarity from 0 to 1 that can say what it is made of (``fields``: FieldMatch, in
    the order of FIELDS, only the fields both proposals fill in; worked out when asked)."""

    def __new__(cls, value, a=None, b=None):
        score = super().__new__(cls, value)
        score._pair = (a, b)
        score._fields = None if a is not None else ()
        return score

    @property
    def fields(self) -> tuple:
        if self._fields is None:
            self._fields = field_matches(*self._pair)
        return self._fields

    @property
    def percent(self) -> int:
        return round(self * 100)


def _pair_weight(compared: ComparedField, a: FieldVector, b: FieldVector) -> float:
    return compared.weight * math.sqrt(a.specificity * b.specificity)


def _cosine(a: dict, b: dict) -> float:
    if len(a) > len(b):
        a, b = b, a
    get = b.get
    return min(1.0, sum(x * get(g, 0.0) for g, x in a.items()))


def _plain_cosine(a: tuple, b: tuple) -> float:
    """The cosine of two texts' unweighted trigram counts."""
    a, b = dict(a), dict(b)
    norms = math.sqrt(sum(x * x for x in a.values()) * sum(x * x for x in b.values()))
    return min(1.0, sum(x * b.get(g, 0) for g, x in a.items()) / norms) if norms else 0.0


def similarity(a: Fingerprint, b: Fingerprint) -> Score:
    """The specificity-weighted average of the fields' cosines (see the module docstring)."""
    total = weighted = 0.0
    for compared, fa, fb in zip(FIELDS, a.fields, b.fields, strict=True):
        if fa.present and fb.present:
            weight = _pair_weight(compared, fa, fb)
            if weight:
                total += weight
                weighted += weight * _cosine(fa.weights, fb.weights)
    return Score(round(weighted / total, 3) if total else 0.0, a, b)


def field_matches(a: Fingerprint, b: Fingerprint) -> tuple:
    """What ``similarity(a, b)`` is made of, field by field."""
    parts = []
    for compared, fa, fb in zip(FIELDS, a.fields, b.fields, strict=True):
        if not (fa.present and fb.present):
            continue
        weight = _pair_weight(compared, fa, fb)
        # A field that counts for nothing (stock phrases only) still says how equal it is.
        cosine = _cosine(fa.weights, fb.weights) if weight else _plain_cosine(fa.grams, fb.grams)
        stock = max(fa.stock, fb.stock) >= STOCK_SHARE
        parts.append((compared, round(cosine, 2), weight, stock))
    total = sum(weight for _c, _v, weight, _s in parts)
    return tuple(
        FieldMatch(c.name, c.label, v, round(w / total, 2) if total else 0.0, s)
        for c, v, w, s in parts
    )


def compare_texts(first: dict, second: dict, *, others=(), agency_names=()) -> Score:
    """The score of two proposals given as {field name: text}; ``others`` (more such dicts)
    are the rest of the round, for the document frequencies."""
    docs = [
        document(pk=n, agency_id=n, texts=[texts.get(f.name, "") for f in FIELDS],
                 agency_names=agency_names)
        for n, texts in enumerate([first, second, *others])
    ]  # fmt: skip
    weights = Weights(docs)
    return similarity(fingerprint(docs[0], weights), fingerprint(docs[1], weights))


def text_similarity(title_a, summary_a, title_b, summary_b, *, agency_names=()) -> Score:
    """The score of two titles and summaries on their own (no round around them)."""
    return compare_texts(
        {"title_th": title_a, "summary": summary_a},
        {"title_th": title_b, "summary": summary_b},
        agency_names=agency_names,
    )


def _candidates():
    """Proposals worth comparing: sent to DGA and not withdrawn, with their agency's names."""
    return (
        Proposal.objects.filter(status__in=SENT_TO_DGA - {Status.WITHDRAWN})
        .select_related("agency__ministry", "round", "stage")
        .only(
            "id", "code", "title_th", "title_en", "summary", "objectives", "outputs", "status",
            "requested_amount", "agency__name_th", "agency__name_en", "agency__abbreviation",
            "agency__ministry__name_th", "round__fiscal_year", "stage__code", "stage__name_th",
            "stage__name_en", "round__name_th", "round__name_en",
        )
    )  # fmt: skip


def _agency_names(proposal) -> tuple[str, ...]:
    agency = proposal.agency
    names = [agency.name_th, agency.name_en, agency.abbreviation]
    if agency.ministry_id:
        names.append(agency.ministry.name_th)
    return tuple(n for n in names if n)


def document_of(proposal) -> Document:
    return document(
        pk=proposal.pk,
        agency_id=proposal.agency_id,
        texts=[getattr(proposal, f.name) or "" for f in FIELDS],
        agency_names=_agency_names(proposal),
    )


def _round_weights(documents) -> tuple[Weights, list[Fingerprint]]:
    weights = Weights(documents)
    return weights, [fingerprint(doc, weights) for doc in documents]


def compare(proposal, other) -> Score:
    """How ``other`` compares with ``proposal``, weighted by ``proposal``'s round: the score
    that the duplicates page and ``proposal``'s page give the pair. One query."""
    docs = {p.pk: document_of(p) for p in _candidates().filter(round_id=proposal.round_id)}
    for p in (proposal, other):
        if p.round_id == proposal.round_id:
            docs.setdefault(p.pk, document_of(p))
    weights = Weights(list(docs.values()))
    return similarity(
        fingerprint(document_of(proposal), weights), fingerprint(document_of(other), weights)
    )


@dataclass
class Match:
    proposal: Proposal
    score: Score

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def find_similar(proposal, *, threshold=DEFAULT_THRESHOLD, limit=20) -> list[Match]:
    """Other agencies' proposals of this round and earlier ones that look like ``proposal``,
    weighted by the document frequencies of ``proposal``'s round.

    Two queries at most (one when ``proposal.round`` is loaded); O(n) comparisons.
    """
    others = list(
        _candidates()
        .filter(round__fiscal_year__lte=proposal.round.fiscal_year)
        .exclude(pk=proposal.pk)
    )
    mine = document_of(proposal)
    docs = [document_of(other) for other in others]
    weights = Weights(
        [mine, *(d for d, o in zip(docs, others, strict=True) if o.round_id == proposal.round_id)]
    )
    mine_fp = fingerprint(mine, weights)
    matches = []
    for other, doc in zip(others, docs, strict=True):
        if other.agency_id == proposal.agency_id:
            continue
        score = similarity(mine_fp, fingerprint(doc, weights))
        if score >= threshold:
            matches.append(Match(other, score))
    matches.sort(key=lambda m: (-m.score, -m.proposal.round.fiscal_year, m.proposal.code))
    return matches[:limit]


@dataclass
class ClusterRow:
    """A member of a group and the member of another agency most like it."""

    proposal: Proposal
    closest: Proposal
    score: Score


@dataclass
class Cluster:
    members: list = field(default_factory=list)
    pairs: list = field(default_factory=list)  # (proposal a, proposal b, score), best first
    rows: list = field(default_factory=list)  # ClusterRow per member, in code order

    @property
    def best(self) -> float:
        return max((score for _, _, score in self.pairs), default=0.0)

    @property
    def worst(self) -> float:
        return min((score for _, _, score in self.pairs), default=0.0)

    @property
    def percent(self) -> int:
        return round(self.best * 100)

    @property
    def lowest_percent(self) -> int:
        return round(self.worst * 100)

    @property
    def requested(self):
        return sum((p.requested_amount for p in self.members), start=0)


class _Index:
    """Inverted indexes of the fingerprints' informative trigrams (one per field: trigram →
    (fingerprint, weight)), probed with the heaviest trigrams of a fingerprint only, and an
    upper bound of each candidate's score, so that the exact score is computed only where it
    can matter (prefix filtering for a cosine threshold)."""

    def __init__(self, fingerprints: list[Fingerprint]):
        self.fingerprints = fingerprints
        self.postings = []
        for f in range(N_FIELDS):
            postings = defaultdict(list)
            for index, fp in enumerate(fingerprints):
                for gram, weight in fp.fields[f].weights.items():
                    postings[gram].append((index, weight))
            self.postings.append(postings)
        # √specificity of each field (0 when absent): a pair's field weight is
        # FIELDS[f].weight × root[i][f] × root[j][f].
        self.root = [
            tuple(math.sqrt(v.specificity) if v.present else 0.0 for v in fp.fields)
            for fp in fingerprints
        ]

    def candidates(self, i: int, threshold: float, *, later_only: bool) -> list[tuple[float, int]]:
        """(bound, j) for every other fingerprint j (of another agency; with ``later_only``,
        j > i) whose upper bound reaches ``threshold``.

        A weighted average reaches the threshold only if one of its fields does. For each
        field, i's trigrams are taken heaviest first until the rest (the suffix) has a norm
        below the threshold: a fingerprint that shares none of the prefix has a cosine below
        it (Cauchy-Schwarz: at most the suffix's norm), so only the prefix is probed. For a
        fingerprint reached, the field's cosine is at most its dot product over the prefix
        plus the suffix's norm; the pair's field weights do not depend on what is shared, so
        the weighted average of these bounds bounds the score.
        """
        fps, root = self.fingerprints, self.root
        fp = fps[i]
        mine = [compared.weight * r for compared, r in zip(FIELDS, root[i], strict=True)]
        floor = threshold - ROUNDING
        partial = []  # per field: (j → dot over the prefix, the suffix's norm)
        for f, vector in enumerate(fp.fields):
            if not (vector.weights and mine[f]):
                continue
            top = vector.top
            cut = next((p for p in range(len(top)) if 1.0 - top[p] < floor * floor), len(top) - 1)
            dots = defaultdict(float)
            postings = self.postings[f]
            for gram, weight in islice(vector.weights.items(), cut):
                for j, other_weight in postings[gram]:
                    dots[j] += weight * other_weight
            partial.append((f, dots, math.sqrt(max(0.0, 1.0 - top[cut]))))
        reached = set(chain.from_iterable(dots for _f, dots, _suffix in partial))
        agency = fp.agency_id
        found = []
        for j in reached:
            if j == i or (later_only and j < i) or fps[j].agency_id == agency:
                continue
            theirs = root[j]
            total = sum(map(mul, mine, theirs))
            if not total:
                continue
            numerator = 0.0
            for f, dots, suffix in partial:
                most = dots.get(j, 0.0) + suffix
                numerator += mine[f] * theirs[f] * (most if most < 1.0 else 1.0)
            if numerator >= floor * total:
                found.append((min(1.0, numerator / total + ROUNDING), j))
        return found


def similar_pairs(fingerprints: list[Fingerprint], *, threshold=DEFAULT_THRESHOLD):
    """Every pair (i, j), i < j, of different agencies scoring at least ``threshold``."""
    index = _Index(fingerprints)
    pairs = []
    for i, fp in enumerate(fingerprints):
        for _bound, j in index.candidates(i, threshold, later_only=True):
            score = similarity(fp, fingerprints[j])
            if score >= threshold:
                pairs.append((i, j, score))
    return pairs


def best_matches(fingerprints, i, index, *, threshold, limit=None, budget=None):
    """The others of fingerprint ``i`` (other agencies) scoring at least ``threshold``, best
    first (ties by index, that is by code): all of them, or the ``limit`` best; and whether
    more may exist.

    Candidates are scored in the order of their upper bound. With ``limit`` the search stops
    once the last kept score beats every remaining bound; with ``budget`` it also stops after
    that many exact scores. Either way, when candidates that could still match are left, the
    second value is True. On a real round a proposal has a handful of candidates and the
    answer is exact; in a round where thousands of titles look alike, the budget keeps the cost
    of one proposal at a few hundred scores instead of thousands.
    """
    fp = fingerprints[i]
    bounds = sorted(
        ((bound, -j) for bound, j in index.candidates(i, threshold, later_only=False)),
        reverse=True,
    )
    kept = []  # (-score, j, score): sorted means best first
    for scored, (bound, minus_j) in enumerate(bounds):  # every earlier candidate was scored
        if limit and len(kept) >= limit and -kept[limit - 1][0] > bound + ROUNDING:
            return _pairs(kept[:limit]), True  # none left can enter the list; some may match
        if budget is not None and scored >= budget:
            return _pairs(kept[:limit] if limit else kept), True
        j = -minus_j
        score = similarity(fp, fingerprints[j])
        if score >= threshold:
            if limit:
                bisect.insort(kept, (-float(score), j, score))
                del kept[limit + 1 :]
            else:
                kept.append((-float(score), j, score))
    if not limit:
        kept.sort()
        return _pairs(kept), False
    return _pairs(kept[:limit]), len(kept) > limit


def _pairs(kept):
    return [(score, j) for _minus_score, j, score in kept]


def _round_fingerprints(plan_round):
    proposals = list(_candidates().filter(round=plan_round).order_by("code"))
    _weights, fingerprints = _round_weights([document_of(p) for p in proposals])
    return proposals, fingerprints


def find_similar_in_round(
    plan_round, proposal_ids, *, threshold=DEFAULT_THRESHOLD, limit=None, budget=None
) -> dict:
    """For each of ``proposal_ids``, the round's proposals of other agencies that look like it:
    ``{proposal id: SimilarInRound}``, best first (see ``best_matches`` for ``limit`` and
    ``budget``). One query; the weights and the index are built once for the round and only
    the given proposals are scored against it."""
    proposals, fingerprints = _round_fingerprints(plan_round)
    index = _Index(fingerprints)
    wanted = set(proposal_ids)
    found = {}
    for i, proposal in enumerate(proposals):
        if proposal.pk not in wanted:
            continue
        kept, more = best_matches(
            fingerprints, i, index, threshold=threshold, limit=limit, budget=budget
        )
        if kept:
            found[proposal.pk] = SimilarInRound([(proposals[j], score) for score, j in kept], more)
    return found


@dataclass
class SimilarInRound:
    matches: list  # (proposal, score), best first
    more: bool  # more than the matches kept look alike

    def __iter__(self):
        return iter(self.matches)

    def __len__(self):
        return len(self.matches)


def complete_linkage(fingerprints, pairs) -> list[list[int]]:
    """Groups of indexes in which every two members of different agencies form one of
    ``pairs`` ((i, j, score), i < j: the pairs at or above the threshold). Pairs are taken best
    first; two groups merge only when all their cross-agency pairs are there."""
    alike = {(i, j) for i, j, _ in pairs}
    group_of = {}  # index → its group's key
    groups = {}  # key → member indexes
    for i, j, _score in sorted(pairs, key=lambda p: (-p[2], p[0], p[1])):
        a, b = group_of.setdefault(i, i), group_of.setdefault(j, j)
        if a == b:
            continue
        left, right = groups.setdefault(a, [i]), groups.setdefault(b, [j])
        if all(
            fingerprints[x].agency_id == fingerprints[y].agency_id
            or (min(x, y), max(x, y)) in alike
            for x in left
            for y in right
        ):
            left.extend(right)
            for member in groups.pop(b):
                group_of[member] = a
    return [sorted(members) for members in groups.values() if len(members) > 1]


def find_clusters(plan_round, *, threshold=DEFAULT_THRESHOLD) -> list[Cluster]:
    """Groups of the round's proposals (of different agencies) that all look alike: every two
    members of different agencies score at least ``threshold`` (no chaining through one
    link). One query."""
    proposals, fingerprints = _round_fingerprints(plan_round)
    pairs = similar_pairs(fingerprints, threshold=threshold)
    scores = {(i, j): score for i, j, score in pairs}
    result = []
    for members in complete_linkage(fingerprints, pairs):
        inside = sorted(
            ((i, j, scores[i, j]) for n, i in enumerate(members) for j in members[n + 1 :]
             if (i, j) in scores),
            key=lambda p: (-p[2], p[0], p[1]),
        )  # fmt: skip
        cluster = Cluster(
            members=[proposals[i] for i in members],
            pairs=[(proposals[i], proposals[j], score) for i, j, score in inside],
        )
        for i in members:
            score, j = max(
                ((s, b if a == i else a) for a, b, s in inside if i in (a, b)),
                key=lambda c: (c[0], -c[1]),
            )
            cluster.rows.append(ClusterRow(proposals[i], proposals[j], score))
        result.append(cluster)
    result.sort(key=lambda c: (-c.best, c.members[0].code))
    return result
