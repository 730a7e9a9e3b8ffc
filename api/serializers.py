"""What the API reads and writes, field by field (the OpenAPI schema is made from these).

Money is a decimal string in baht (``COERCE_DECIMAL_TO_STRING``), exact to the satang.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.money import MAX_DIGITS
from core.text import strip_invisible
from core.text_limits import COMMENT_MAX, LIST_MAX, SECTION_MAX
from directory.models import Agency, Ministry
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
from proposals.workflow import Status

MONEY = {"max_digits": MAX_DIGITS, "decimal_places": 2}


def money_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(**MONEY, **kwargs)


# --- reference data, rounds, agencies ------------------------------------------------------


class NamedSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_th = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)


class ReferenceItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_th = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    description_th = serializers.CharField(allow_blank=True)
    description_en = serializers.CharField(allow_blank=True)


class NumberedReferenceSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name_th = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    description_th = serializers.CharField(allow_blank=True)
    description_en = serializers.CharField(allow_blank=True)


class ChoiceSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class ReferenceListsSerializer(serializers.Serializer):
    expense_categories = ChoiceSerializer(many=True)
    statuses = ChoiceSerializer(many=True)
    project_types = ChoiceSerializer(many=True)
    stages = ReferenceItemSerializer(many=True)
    benefits = ReferenceItemSerializer(many=True)
    dg_strategies = NumberedReferenceSerializer(many=True)
    national_strategies = NumberedReferenceSerializer(many=True)
    ministries = NamedSerializer(many=True)


class RoundSerializer(serializers.ModelSerializer):
    budget_frame = money_field()
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = PlanRound
        fields = [
            "fiscal_year", "name_th", "name_en", "submission_opens_at", "submission_closes_at",
            "budget_frame", "is_open",
        ]  # fmt: skip

    def get_is_open(self, obj: PlanRound) -> bool:
        return obj.is_open()


class MinistrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Ministry
        fields = ["code", "name_th", "name_en"]


class AgencySerializer(serializers.ModelSerializer):
    ministry = MinistrySerializer(allow_null=True)

    class Meta:
        model = Agency
        fields = ["code", "name_th", "name_en", "abbreviation", "ministry"]


# --- proposals: reading ----------------------------------------------------------------------


class BudgetLineSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField(min_value=2500, max_value=2705)
    category = serializers.ChoiceField(choices=ExpenseCategory.choices)
    amount = money_field(min_value=0)
    approved_amount = money_field(read_only=True, allow_null=True)


class KPISerializer(serializers.Serializer):
    indicator = serializers.CharField(max_length=500)
    unit = serializers.CharField(max_length=100)
    target = serializers.CharField(max_length=100)


class ProposalSerializer(serializers.ModelSerializer):
    """A row of the list: no long texts, no contact details."""

    round = serializers.IntegerField(source="round.fiscal_year")
    agency = AgencySerializer()
    stage = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    benefit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    requested_amount = money_field()
    recommended_amount = money_field(allow_null=True)
    approved_amount = money_field(allow_null=True)
    version = serializers.IntegerField(source="lock_version")
    budget_lines = BudgetLineSerializer(many=True)

    class Meta:
        model = Proposal
        fields = [
            "id", "code", "round", "agency", "status", "title_th", "title_en", "project_type",
            "duration_years", "stage", "benefit", "requested_amount", "recommended_amount",
            "approved_amount", "submitted_at", "updated_at", "version", "budget_lines",
        ]  # fmt: skip


class ProposalDetailSerializer(ProposalSerializer):
    """Everything the proposal's page shows of its content."""

    dg_strategy = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    national_strategy = serializers.SlugRelatedField(
        slug_field="number", read_only=True, allow_null=True
    )
    continues = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    kpis = KPISerializer(many=True)

    class Meta(ProposalSerializer.Meta):
        fields = [
            *ProposalSerializer.Meta.fields,
            "continues", "official_name", "official_position", "official_phone",
            "official_email", "dg_strategy", "national_strategy", "alignment_justification",
            "summary", "rationale", "objectives", "target_group", "outputs", "outcomes", "kpis",
        ]  # fmt: skip


# --- proposals: writing ----------------------------------------------------------------------


class CleanTextField(serializers.CharField):
    """Text as the forms take it: invisible direction and zero-width characters removed."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = strip_invisible(data)[0]
        return super().to_internal_value(data)


def text(max_length: int, **kwargs) -> CleanTextField:
    return CleanTextField(max_length=max_length, required=False, allow_blank=True, **kwargs)


class BudgetLineWriteSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField(min_value=2500, max_value=2705)
    category = serializers.ChoiceField(choices=ExpenseCategory.choices)
    amount = money_field(min_value=0)


class KPIWriteSerializer(serializers.Serializer):
    indicator = CleanTextField(max_length=500)
    unit = CleanTextField(max_length=100)
    target = CleanTextField(max_length=100)


class ProposalWriteSerializer(serializers.Serializer):
    """A draft's content, as the form's sections 1–5 (attachments have their own endpoint).

    On update every field is optional: what is left out keeps its value. ``budget_lines`` and
    ``kpis``, when given, replace the whole grid or list.
    """

    title_th = text(500)
    title_en = text(500)
    project_type = serializers.ChoiceField(choices=ProjectType.choices, required=False)
    continues = CleanTextField(max_length=32, required=False, allow_blank=True)
    duration_years = serializers.IntegerField(min_value=1, max_value=5, required=False)
    official_name = text(255)
    official_position = text(255)
    official_phone = text(64)
    official_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    stage = serializers.SlugRelatedField(
        slug_field="code", queryset=Stage.objects.all(), required=False, allow_null=True
    )
    benefit = serializers.SlugRelatedField(
        slug_field="code", queryset=Benefit.objects.all(), required=False, allow_null=True
    )
    dg_strategy = serializers.SlugRelatedField(
        slug_field="number", queryset=DGStrategy.objects.all(), required=False, allow_null=True
    )
    national_strategy = serializers.SlugRelatedField(
        slug_field="number",
        queryset=NationalStrategy.objects.all(),
        required=False,
        allow_null=True,
    )
    alignment_justification = text(LIST_MAX)
    summary = text(COMMENT_MAX)
    rationale = text(SECTION_MAX)
    objectives = text(SECTION_MAX)
    target_group = text(SECTION_MAX)
    outputs = text(SECTION_MAX)
    outcomes = text(SECTION_MAX)
    budget_lines = BudgetLineWriteSerializer(many=True, required=False, max_length=25)
    kpis = KPIWriteSerializer(many=True, required=False, max_length=50)

    def validate_budget_lines(self, lines):
        cells = [(line["fiscal_year"], line["category"]) for line in lines]
        if len(cells) != len(set(cells)):
            raise serializers.ValidationError(
                _("Each fiscal year and expense category may appear only once.")
            )
        return lines


class ProposalCreateSerializer(ProposalWriteSerializer):
    round = serializers.SlugRelatedField(slug_field="fiscal_year", queryset=PlanRound.objects.all())
    title_th = CleanTextField(max_length=500)


def version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0,
        max_value=2_147_483_647,
        required=False,
        help_text=_(
            "The proposal's version as last read; a stale one is refused (409). Or send it as "
            "the If-Match header (a stale one: 412)."
        ),
    )


class ProposalUpdateSerializer(ProposalWriteSerializer):
    version = version_field()


class SubmitSerializer(serializers.Serializer):
    version = version_field()


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    description = CleanTextField(max_length=255)


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    description = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ProblemsSerializer(serializers.Serializer):
    detail = serializers.CharField()
    problems = serializers.ListField(child=serializers.CharField())


class StaleSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField()


# --- plans and their progress ----------------------------------------------------------------


class FiguresSerializer(serializers.Serializer):
    submitted_projects = serializers.IntegerField()
    submitted_agencies = serializers.IntegerField()
    requested = money_field()
    approved_projects = serializers.IntegerField()
    approved_agencies = serializers.IntegerField()
    approved = money_field()


class BreakdownRowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_blank=True)
    name_th = serializers.CharField(allow_blank=True)
    name_en = serializers.CharField(allow_blank=True)
    parent_th = serializers.CharField(required=False, allow_blank=True)
    parent_en = serializers.CharField(required=False, allow_blank=True)
    figures = FiguresSerializer()


class AmountRowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_blank=True)
    projects = serializers.IntegerField()
    requested = money_field()
    approved = money_field()


class PlanLineSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    category = serializers.CharField()
    amount = money_field()
    approved_amount = money_field()


class PlanProjectSerializer(serializers.Serializer):
    code = serializers.CharField()
    title_th = serializers.CharField()
    title_en = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=Status.choices)
    agency = NamedSerializer()
    ministry = NamedSerializer(allow_null=True)
    stage = NamedSerializer(allow_null=True)
    benefit = NamedSerializer(allow_null=True)
    requested_amount = money_field()
    approved_amount = money_field()
    budget_lines = PlanLineSerializer(many=True)


class PlanVersionSerializer(serializers.Serializer):
    """A published version and its headline figures (read from its frozen snapshot)."""

    fiscal_year = serializers.IntegerField(source="round.fiscal_year")
    number = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    checksum = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    totals = FiguresSerializer()


class PlanDetailSerializer(PlanVersionSerializer):
    budget_frame = money_field()
    by_stage = BreakdownRowSerializer(many=True)
    by_benefit = BreakdownRowSerializer(many=True)
    by_ministry = BreakdownRowSerializer(many=True)
    by_agency = BreakdownRowSerializer(many=True)
    by_category = AmountRowSerializer(many=True)
    by_fiscal_year = AmountRowSerializer(many=True)
    projects = PlanProjectSerializer(many=True)


class QuarterSerializer(serializers.Serializer):
    quarter = serializers.IntegerField()
    disbursed = money_field()
    committed = money_field()
    percent = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    target = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)


class ProgressRowSerializer(serializers.Serializer):
    label = serializers.CharField(allow_blank=True)
    code = serializers.CharField(allow_blank=True)
    agency = serializers.CharField(allow_blank=True)
    approved = money_field()
    projects = serializers.IntegerField()
    progress = serializers.CharField(allow_blank=True)
    kpis_met = serializers.IntegerField()
    kpis_assessed = serializers.IntegerField()
    quarters = QuarterSerializer(many=True)


class ProgressSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    reported_quarters = serializers.ListField(child=serializers.IntegerField())
    totals = ProgressRowSerializer()
    by_category = ProgressRowSerializer(many=True)
    projects = ProgressRowSerializer(many=True)


class LinksSerializer(serializers.Serializer):
    rounds = serializers.URLField()
    reference = serializers.URLField()
    agencies = serializers.URLField()
    proposals = serializers.URLField()
    plans = serializers.URLField()
    schema = serializers.URLField()
    docs = serializers.URLField()
