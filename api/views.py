"""The API's endpoints: thin, over the same selectors, FilterSets and services as the pages."""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.models import F, QuerySet
from django.http import Http404, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, parsers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from directory.models import Agency, Ministry
from execution.selectors import get_progress
from plans.models import PlanVersion
from proposals import services as proposal_services
from proposals.models import (
    Benefit,
    DGStrategy,
    ExpenseCategory,
    NationalStrategy,
    PlanRound,
    ProjectType,
    Proposal,
    Stage,
)
from proposals.selectors import get_proposal_for, visible_proposals
from proposals.workflow import Status
from screening.filters import ProposalFilter

from . import serializers as s
from .content import build_content
from .errors import PreconditionRequired
from .permissions import DraftWriter, PlanReader, ProgressReader

ERRORS = {
    401: OpenApiResponse(s.ErrorSerializer, description="No token, or an unusable one"),
    403: OpenApiResponse(s.ErrorSerializer, description="The role or scope may not"),
    404: OpenApiResponse(
        s.ErrorSerializer, description="Missing, not yours to see, or an unreadable cursor"
    ),
    429: OpenApiResponse(s.ErrorSerializer, description="Too many requests for this token"),
}
WRITE_ERRORS = {
    **ERRORS,
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Errors by field name"),
    409: OpenApiResponse(s.StaleSerializer, description="Stale version, or the state refuses"),
    412: OpenApiResponse(s.StaleSerializer, description="Stale If-Match"),
    415: OpenApiResponse(s.ErrorSerializer, description="Not JSON"),
    428: OpenApiResponse(s.ErrorSerializer, description="No version and no If-Match"),
}


def _errors(*codes: int) -> dict:
    return {code: WRITE_ERRORS[code] for code in codes}


class ConditionalGetMixin:
    """``ETag`` on every successful read, and 304 to a matching ``If-None-Match``."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        if hasattr(response, "render"):
            response.render()
        etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
        response["ETag"] = etag
        wanted = parse_etags(request.headers.get("If-None-Match", ""))
        if etag in wanted or "*" in wanted:
            not_modified = HttpResponseNotModified()
            not_modified["ETag"] = etag
            if response.has_header("Vary"):
                not_modified["Vary"] = response["Vary"]
            return not_modified
        return response


class ApiView(ConditionalGetMixin, APIView):
    pass


class ApiListView(ConditionalGetMixin, generics.ListAPIView):
    pass


# --- the root, rounds, reference lists, agencies ----------------------------------------------


class RootView(ApiView):
    @extend_schema(responses={200: s.LinksSerializer, **ERRORS}, summary="Links to the lists")
    def get(self, request: Request) -> Response:
        names = ["rounds", "reference", "agencies", "proposals", "plans", "schema", "docs"]
        return Response({name: reverse(f"api:{name}", request=request) for name in names})


class RoundListView(ApiListView):
    """The plan rounds, newest first."""

    serializer_class = s.RoundSerializer
    queryset = PlanRound.objects.all()
    pagination_class = None

    def get_queryset(self):
        return PlanRound.objects.order_by("-fiscal_year")

    @extend_schema(responses={200: s.RoundSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RoundDetailView(ConditionalGetMixin, generics.RetrieveAPIView):
    serializer_class = s.RoundSerializer
    queryset = PlanRound.objects.all()
    lookup_field = "fiscal_year"
    lookup_url_kwarg = "year"

    @extend_schema(responses={200: s.RoundSerializer, **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _reference(queryset: QuerySet) -> list[dict]:
    key = "code" if queryset.model in (Stage, Benefit) else "number"
    return list(queryset.values(key, "name_th", "name_en", "description_th", "description_en"))


def _choices(choices) -> list[dict]:
    return [{"code": code, "label": str(label)} for code, label in choices]


class ReferenceView(ApiView):
    """Every reference list a proposal's content uses, in one answer."""

    @extend_schema(responses={200: s.ReferenceListsSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        data = {
            "expense_categories": _choices(ExpenseCategory.choices),
            "statuses": _choices(Status.choices),
            "project_types": _choices(ProjectType.choices),
            "stages": _reference(Stage.objects.order_by("order")),
            "benefits": _reference(Benefit.objects.order_by("order")),
            "dg_strategies": _reference(DGStrategy.objects.order_by("number")),
            "national_strategies": _reference(NationalStrategy.objects.order_by("number")),
            "ministries": list(
                Ministry.objects.order_by("order", "name_th").values("code", "name_th", "name_en")
            ),
        }
        return Response(s.ReferenceListsSerializer(data).data)


class AgencyListView(ApiListView):
    """Every agency, with its ministry (none for an agency outside any ministry)."""

    serializer_class = s.AgencySerializer

    def get_queryset(self):
        return Agency.objects.select_related("ministry")

    @extend_schema(responses={200: s.AgencySerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- proposals -------------------------------------------------------------------------------

# The inbox's filters, as query parameters (its sort order is left out: pages go by id).
PROPOSAL_FILTERS = [
    OpenApiParameter("round", int, description="Fiscal year (BE)"),
    OpenApiParameter("status", str, many=True, enum=Status.values),
    OpenApiParameter("stage", str, description="upstream, midstream or downstream"),
    OpenApiParameter("ministry", str, description="Ministry code"),
    OpenApiParameter("agency", str, description="Agency code"),
    OpenApiParameter("benefit", str, description="Expected benefit code"),
    OpenApiParameter("q", str, description="Thai substring search"),
    OpenApiParameter("min_amount", str, description="Requested at least (baht)"),
    OpenApiParameter("max_amount", str, description="Requested at most (baht)"),
]


class ProposalListView(ApiListView):
    """The proposals the token's user may see (the pages' rule), filtered as the inbox is;
    ``POST`` starts a draft for the user's agency (scope write, submitter)."""

    permission_classes = [*APIView.permission_classes, DraftWriter]

    def get_serializer_class(self):
        return s.ProposalSerializer

    def get_queryset(self):
        return (
            visible_proposals(self.request.user)
            .select_related("round", "agency__ministry", "stage", "benefit")
            .prefetch_related("budget_lines")
            .defer(*Proposal.LONG_TEXTS)
        )

    def filter_queryset(self, queryset):
        params = self.request.query_params.copy()
        params.pop("sort", None)  # the cursor decides the order (by id)
        filterset = ProposalFilter(params, queryset=queryset, request=self.request)
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        return filterset.qs

    @extend_schema(
        parameters=PROPOSAL_FILTERS,
        responses={200: s.ProposalSerializer(many=True), **_errors(400, 401, 403, 404, 429)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.ProposalCreateSerializer,
        responses={201: s.ProposalDetailSerializer, **_errors(400, 401, 403, 409, 415, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = s.ProposalCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        plan_round = data["round"]
        content = build_content(data, plan_round=plan_round, agency_id=request.user.agency_id)
        proposal = proposal_services.create_proposal(
            actor=request.user, plan_round=plan_round, content=content
        )
        return Response(_detail(request.user, proposal.pk), status=status.HTTP_201_CREATED)


def read_version(request: Request, data: dict) -> tuple[int, bool]:
    """The version the client last read: the body's ``version``, else ``If-Match: "<n>"``;
    and whether it came from the header (a stale one is then 412, not 409)."""
    if "version" in data:
        return data["version"], False
    tags = parse_etags(request.headers.get("If-Match", ""))
    if len(tags) == 1 and tags[0].strip('"').isdigit() and len(tags[0]) < 14:
        return int(tags[0].strip('"')), True
    raise PreconditionRequired(
        _("Send the proposal's version as last read: the “version” field or an If-Match header.")
    )


@contextmanager
def stale_from_if_match(from_header: bool) -> Iterator[None]:
    """Marks a stale-version refusal raised inside as coming from ``If-Match`` (then 412)."""
    try:
        yield
    except proposal_services.StaleProposalError as error:
        error.if_match = from_header  # type: ignore[attr-defined]
        raise


def _detail(user, pk) -> dict:
    proposal = get_proposal_for(user, pk)
    return s.ProposalDetailSerializer(proposal).data


class ProposalDetailView(ApiView):
    """One proposal, 404 when the token's user may not see it (missing or not theirs alike).
    ``PATCH`` saves the agency's draft (or one returned for revision) with its ``version``."""

    permission_classes = [*APIView.permission_classes, DraftWriter]

    @extend_schema(responses={200: s.ProposalDetailSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(request.user, pk))

    @extend_schema(
        request=s.ProposalUpdateSerializer,
        responses={
            200: s.ProposalDetailSerializer,
            **_errors(400, 401, 403, 404, 409, 412, 415, 428, 429),
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        proposal = get_proposal_for(request.user, pk)
        serializer = s.ProposalUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version, from_header = read_version(request, data)
        content = build_content(
            data, plan_round=proposal.round, agency_id=proposal.agency_id, current=proposal
        )
        with stale_from_if_match(from_header):
            proposal_services.save_proposal(
                proposal_id=proposal.pk, actor=request.user, content=content,
                lock_version=version,
            )  # fmt: skip
        return Response(_detail(request.user, pk))


class ProposalSubmitView(ApiView):
    """Send the draft to DGA, as the form's submit button does (complete, inside the window)."""

    permission_classes = [*APIView.permission_classes, DraftWriter]

    @extend_schema(
        request=s.SubmitSerializer,
        responses={
            200: s.ProposalDetailSerializer,
            **_errors(400, 401, 403, 404, 409, 412, 415, 428, 429),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        proposal = get_proposal_for(request.user, pk)
        serializer = s.SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        read, from_header = read_version(request, serializer.validated_data)
        with stale_from_if_match(from_header), transaction.atomic():
            # Locked, so that nobody saves between the version check and the submission.
            locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
            if locked.lock_version != read:
                raise proposal_services.StaleProposalError(
                    _(
                        "This proposal has changed since version %(read)s was read (it is now "
                        "version %(current)s): read it again before submitting."
                    )
                    % {"read": read, "current": locked.lock_version},
                    current=locked,
                )
            proposal_services.submit_proposal(proposal_id=proposal.pk, actor=request.user)
        return Response(_detail(request.user, pk))


class ProposalAttachmentView(ApiView):
    """Attach a document (PDF, XLSX or DOCX, checked by its content) to the agency's draft."""

    permission_classes = [*APIView.permission_classes, DraftWriter]
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer, **_errors(400, 401, 403, 404, 409, 415, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        proposal = get_proposal_for(request.user, pk)
        serializer = s.AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = proposal_services.add_attachment(
            proposal_id=proposal.pk,
            actor=request.user,
            upload=serializer.validated_data["file"],
            description=serializer.validated_data["description"],
        )
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


# --- published plans and their progress ------------------------------------------------------


def _versions() -> QuerySet[PlanVersion]:
    """Published versions with their headline figures, read from the frozen snapshot."""
    return (
        PlanVersion.objects.select_related("round")
        .defer("snapshot")
        .annotate(totals=F("snapshot__totals"))
    )


class PlanVersionListView(ApiListView):
    """Every published plan version with its totals (the plan pages' readers)."""

    serializer_class = s.PlanVersionSerializer
    permission_classes = [*APIView.permission_classes, PlanReader]

    def get_queryset(self):
        return _versions()

    @extend_schema(responses={200: s.PlanVersionSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def get_published_version(year: int, number: str | None) -> PlanVersion:
    versions = PlanVersion.objects.select_related("round").filter(round__fiscal_year=year)
    if number is None:
        version = versions.order_by("-number").first()
    else:
        version = versions.filter(number=number).first() if number.isdigit() else None
    if version is None:
        raise Http404
    return version


class PlanDetailView(ApiView):
    """A published version of the year's plan (the newest unless ``?version=``): its totals,
    every breakdown and every approved project, exactly as published."""

    permission_classes = [*APIView.permission_classes, PlanReader]

    @extend_schema(
        parameters=[OpenApiParameter("version", int, description="Version number")],
        responses={200: s.PlanDetailSerializer, **ERRORS},
    )
    def get(self, request: Request, year: int) -> Response:
        version = get_published_version(year, request.query_params.get("version"))
        snapshot = version.snapshot
        data = {
            "round": version.round,
            "number": version.number,
            "published_at": version.published_at,
            "checksum": version.checksum,
            "note": version.note,
            "budget_frame": snapshot["round"]["budget_frame"],
            **{key: snapshot[key] for key in _SNAPSHOT_PARTS},
        }
        return Response(s.PlanDetailSerializer(data).data)


_SNAPSHOT_PARTS = (
    "totals", "by_stage", "by_benefit", "by_ministry", "by_agency", "by_category",
    "by_fiscal_year", "projects",
)  # fmt: skip


class PlanProgressView(ApiView):
    """The plan under way: approved against committed and disbursed by quarter, by expense
    category and by project, as the progress dashboard shows it (after publication only)."""

    permission_classes = [*APIView.permission_classes, ProgressReader]

    @extend_schema(responses={200: s.ProgressSerializer, **ERRORS})
    def get(self, request: Request, year: int) -> Response:
        plan_round = get_object_or_404(PlanRound, fiscal_year=year)
        if not PlanVersion.objects.filter(round=plan_round).exists():
            raise Http404
        progress = get_progress(plan_round)
        data = {
            "fiscal_year": progress.fiscal_year,
            "reported_quarters": progress.reported_quarters,
            "totals": progress.totals,
            "by_category": progress.by_category,
            "projects": progress.projects,
        }
        return Response(s.ProgressSerializer(data).data)


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Any other address under /api/v1/ (``/plans/-1/``, ``/proposals/abc/``): 404 as JSON,
    after the token is checked like everywhere else, instead of the site's HTML page."""

    def get(self, request: Request, rest: str = "") -> Response:
        raise exceptions.NotFound

    post = put = patch = delete = get
