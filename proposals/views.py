"""Thin views: form → service → domain error → message → redirect."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.exports import XLSX_CONTENT_TYPE, download_response
from core.history import about, list_history
from core.text import notify_stripped
from directory.permissions import role_required
from directory.roles import Role

from . import permissions
from .attachments import CONTENT_TYPES
from .forms import (
    AttachmentForm,
    ProposalEditor,
    WithdrawForm,
    WorkbookUploadForm,
    sign_base,
    unsign_base,
)
from .selectors import (
    diff_snapshots,
    get_open_round,
    get_proposal_display,
    get_proposal_for,
    get_return_reason,
    get_version_pair,
    list_agency_proposals,
    proposal_snapshot,
)
from .services import (
    SUBMIT_REQUIRED_FIELDS,
    IncompleteProposalError,
    ProposalError,
    StaleProposalError,
    add_attachment,
    create_proposal,
    record_attachment_download,
    remove_attachment,
    save_proposal,
    submit_proposal,
    withdraw_proposal,
)
from .workbook import ImportTokenError, build_template, preview_import, read_import_token


@role_required(Role.SUBMITTER)
def proposal_list(request):
    return render(
        request,
        "proposals/proposal_list.html",
        {
            "proposals": list_agency_proposals(request.user),
            "open_round": get_open_round(),
            "can_create": permissions.can_create_proposal(request.user),
        },
    )


@require_GET
@role_required(Role.SUBMITTER)
def workbook_template(request):
    """An empty budget workbook for the open round, signed for the user's agency."""
    if not permissions.can_create_proposal(request.user):
        raise PermissionDenied
    plan_round = get_open_round()
    if plan_round is None:
        messages.warning(request, _("No round is open for submissions at the moment."))
        return redirect("proposals:list")
    content = build_template(plan_round=plan_round, agency_id=request.user.agency_id)
    return download_response(
        content,
        filename=f"budget-{plan_round.fiscal_year}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )


_USED_IMPORTS = "proposals.workbook_imports"


@role_required(Role.SUBMITTER)
def proposal_import(request):
    """Upload a filled workbook, see what it changes field by field, confirm: a new draft, or
    the agency's own draft updated (optimistic locking as in the form). Submitting stays the
    form's job."""
    if not permissions.can_create_proposal(request.user):
        raise PermissionDenied
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm_import(request)
    form = WorkbookUploadForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        preview = preview_import(form.cleaned_data["file"], actor=request.user)
        if preview.errors:
            messages.error(
                request,
                _("Nothing was saved: correct the cells listed below and upload again."),
            )
    return render(request, "proposals/proposal_import.html", {"form": form, "preview": preview})


def _confirm_import(request):
    try:
        confirmed = read_import_token(request.POST.get("confirm", ""), actor=request.user)
    except ImportTokenError as error:
        messages.error(request, str(error))
        return redirect("proposals:import")
    used = request.session.get(_USED_IMPORTS, [])
    if confirmed.nonce in used:
        messages.info(request, _("This workbook has already been imported."))
        return redirect("proposals:list")
    try:
        if confirmed.proposal_id is None:
            proposal = create_proposal(
                actor=request.user, plan_round=confirmed.plan_round, content=confirmed.content
            )
            message = _("Draft %(code)s created from the workbook.")
        else:
            proposal = save_proposal(
                proposal_id=confirmed.proposal_id,
                actor=request.user,
                content=confirmed.content,
                lock_version=confirmed.lock_version,
                base_snapshot=confirmed.base,
            )
            message = _("Draft %(code)s updated from the workbook.")
    except StaleProposalError as error:
        messages.error(request, str(error))
        messages.info(request, _("Download the workbook again to start from the saved version."))
        return redirect(error.current)
    except ProposalError as error:
        messages.error(request, str(error))
        return redirect("proposals:import")
    request.session[_USED_IMPORTS] = [*used, confirmed.nonce][-50:]
    messages.success(request, message % {"code": proposal.code})
    return redirect("proposals:edit", pk=proposal.pk)


@require_GET
def proposal_workbook(request, pk):
    """The workbook of one of the agency's own proposals, filled with what is saved; 404 for
    anyone else (DGA included: the workbook is the agency's tool, not a view of the proposal)."""
    proposal = get_proposal_for(request.user, pk)
    if not permissions.can_download_workbook(request.user, proposal):
        raise Http404
    content = build_template(
        plan_round=proposal.round, agency_id=proposal.agency_id, proposal=proposal
    )
    return download_response(
        content, filename=f"budget-{proposal.code}.xlsx", content_type=XLSX_CONTENT_TYPE
    )


@role_required(Role.SUBMITTER)
def proposal_new(request):
    plan_round = get_open_round()
    if not permissions.can_create_proposal(request.user):
        raise PermissionDenied
    if plan_round is None:
        messages.warning(request, _("No round is open for submissions at the moment."))
        return redirect("proposals:list")
    if request.method == "POST":
        editor = ProposalEditor(
            request.POST, request.FILES, plan_round=plan_round, agency_id=request.user.agency_id
        )
        valid = editor.is_valid()
        # A document may come with the first save; a refused one keeps the draft unsaved too.
        has_upload = editor.attachment.has_upload
        upload_ok = not has_upload or editor.attachment.is_valid()
        notify_stripped(request, editor.stripped_fields())
        if valid and upload_ok:
            try:
                proposal = create_proposal(
                    actor=request.user, plan_round=plan_round, content=editor.to_content()
                )
            except ProposalError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _("Draft %(code)s saved. You can now attach documents and submit.")
                    % {"code": proposal.code},
                )
                if has_upload and not _handle_attachments(
                    request, editor=editor, proposal=proposal
                ):
                    for error in editor.attachment.errors.get("file", []):
                        messages.error(request, error)
                return redirect("proposals:edit", pk=proposal.pk)
        if has_upload:
            # Browsers never fill a file input again: say so rather than lose it silently.
            messages.warning(
                request,
                _("Nothing was saved, so the document was not attached: choose it again."),
            )
    else:
        editor = ProposalEditor(plan_round=plan_round, agency_id=request.user.agency_id)
    return _render_editor(request, editor=editor, proposal=None, plan_round=plan_round)


def proposal_detail(request, pk):
    proposal = get_proposal_for(request.user, pk)
    return render(
        request,
        "proposals/proposal_detail.html",
        {
            "proposal": proposal,
            "display": get_proposal_display(proposal),
            "can_edit": permissions.can_edit_proposal(request.user, proposal),
            "can_submit": permissions.can_submit_proposal(request.user, proposal),
            "can_withdraw": permissions.can_withdraw_proposal(request.user, proposal),
            "can_view_history": permissions.can_view_proposal_history(request.user, proposal),
            "can_download_workbook": permissions.can_download_workbook(request.user, proposal),
        },
    )


def proposal_edit(request, pk):
    proposal = get_proposal_for(request.user, pk)
    if not permissions.can_edit_proposal(request.user, proposal):
        return _refuse_edit(request, proposal)
    if request.method != "POST":
        editor = ProposalEditor(plan_round=proposal.round, proposal=proposal)
        return _render_editor(request, editor=editor, proposal=proposal, plan_round=proposal.round)

    editor = ProposalEditor(
        request.POST, request.FILES, plan_round=proposal.round, proposal=proposal
    )
    action = request.POST.get("action", "save")
    conflict = None
    saved = False
    valid = editor.is_valid()
    notify_stripped(request, editor.stripped_fields())
    if valid:
        try:
            proposal = save_proposal(
                proposal_id=proposal.pk,
                actor=request.user,
                content=editor.to_content(),
                lock_version=_int(request.POST.get("lock_version")),
                base_snapshot=unsign_base(request.POST.get("base")),
            )
            saved = True
        except StaleProposalError as error:
            conflict = error
        except ProposalError as error:
            messages.error(request, str(error))
            return redirect(proposal)

    attachments_ok = _handle_attachments(request, editor=editor, proposal=proposal)

    if saved and attachments_ok:
        if action == "submit":
            return _submit_saved(request, proposal)
        messages.success(request, _("Draft saved."))
        anchor = "#section-attachments" if action == "attachments" else ""
        return redirect(reverse("proposals:edit", args=[proposal.pk]) + anchor)

    if not editor.is_valid():
        messages.error(
            request,
            _("Nothing was saved: please correct the fields marked below. What you typed is kept."),
        )
    return _render_editor(
        request, editor=editor, proposal=proposal, plan_round=proposal.round, conflict=conflict
    )


def _refuse_edit(request, proposal):
    """The agency's own submitter is told why; anybody else is refused."""
    if request.user.has_role(Role.SUBMITTER) and proposal.agency_id == request.user.agency_id:
        messages.info(
            request,
            _("This proposal is “%(status)s” and can no longer be edited.")
            % {"status": proposal.get_status_display()},
        )
        return redirect(proposal)
    raise PermissionDenied


def _submit_saved(request, proposal):
    """Submit the draft just saved; an incomplete one is shown again with what is missing."""
    try:
        submit_proposal(proposal_id=proposal.pk, actor=request.user)
    except IncompleteProposalError as error:
        messages.success(request, _("Draft saved."))
        return _render_editor(
            request,
            editor=ProposalEditor(plan_round=proposal.round, proposal=proposal),
            proposal=proposal,
            plan_round=proposal.round,
            problems=error.problems,
            problems_title=str(error),
        )
    except ProposalError as error:
        messages.success(request, _("Draft saved."))
        messages.error(request, str(error))
        return redirect("proposals:edit", pk=proposal.pk)
    messages.success(
        request,
        _("Proposal %(code)s has been submitted to DGA.") % {"code": proposal.code},
    )
    return redirect(proposal)


def _handle_attachments(request, *, editor, proposal) -> bool:
    """Add the uploaded document and remove a ticked one; False when the upload was refused."""
    ok = True
    if editor.attachment.has_upload:
        attachment_valid = editor.attachment.is_valid()
        notify_stripped(request, editor.attachment.stripped_fields)
        if attachment_valid:
            try:
                add_attachment(
                    proposal_id=proposal.pk,
                    actor=request.user,
                    upload=editor.attachment.cleaned_data["file"],
                    description=editor.attachment.cleaned_data["description"],
                )
                messages.success(request, _("The document has been attached."))
                editor.attachment = AttachmentForm()
            except ProposalError as error:
                editor.attachment.add_error("file", str(error))
                ok = False
        else:
            ok = False
    remove_id = request.POST.get("remove_attachment")
    if remove_id:
        try:
            remove_attachment(
                proposal_id=proposal.pk, attachment_id=_int(remove_id), actor=request.user
            )
            messages.success(request, _("The document has been removed."))
        except ProposalError as error:
            messages.error(request, str(error))
    return ok


def _int(raw, default=-1):
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


def _render_editor(
    request, *, editor, proposal, plan_round, conflict=None, problems=None, problems_title=""
):
    if conflict is not None:
        # Offer the newest state as the base: saving again now is a deliberate overwrite.
        lock_version = conflict.current.lock_version
        base = sign_base(proposal_snapshot(conflict.current))
    elif request.method == "POST" and proposal is not None and "lock_version" in request.POST:
        lock_version = request.POST.get("lock_version")
        base = request.POST.get("base", "")
    elif proposal is not None:
        lock_version = proposal.lock_version
        base = sign_base(proposal_snapshot(proposal))
    else:
        lock_version, base = "", ""
    return render(
        request,
        "proposals/proposal_form.html",
        {
            "editor": editor,
            "proposal": proposal,
            "plan_round": plan_round,
            "grid": editor.grid(),
            "error_summary": editor.error_summary(),
            "attachments": list(proposal.attachments.all()) if proposal else [],
            "return_reason": get_return_reason(proposal) if proposal else None,
            "lock_version": lock_version,
            "base": base,
            "conflict": conflict,
            "problems": problems,
            "problems_title": problems_title,
            "stages": editor.alignment.fields["stage"].queryset,
            "max_bytes": settings.ATTACHMENT_MAX_BYTES,
            "submit_required": list(SUBMIT_REQUIRED_FIELDS),
            "benefits": editor.alignment.fields["benefit"].queryset,
        },
        status=200,
    )


@require_POST
def proposal_submit(request, pk):
    proposal = get_proposal_for(request.user, pk)
    if not permissions.is_own_agency_submitter(request.user, proposal):
        raise PermissionDenied
    try:
        submit_proposal(proposal_id=proposal.pk, actor=request.user)
    except IncompleteProposalError as error:
        messages.error(request, str(error))
        for problem in error.problems:
            messages.error(request, problem)
        return redirect("proposals:edit", pk=proposal.pk)
    except ProposalError as error:
        messages.error(request, str(error))
        return redirect(proposal)
    messages.success(
        request, _("Proposal %(code)s has been submitted to DGA.") % {"code": proposal.code}
    )
    return redirect(proposal)


def proposal_withdraw(request, pk):
    proposal = get_proposal_for(request.user, pk)
    if not permissions.can_withdraw_proposal(request.user, proposal):
        if permissions.can_view_proposal(request.user, proposal) and request.user.has_role(
            Role.SUBMITTER
        ):
            messages.error(request, _("This proposal can no longer be withdrawn."))
            return redirect(proposal)
        raise PermissionDenied
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        notify_stripped(request, form.stripped_fields)
        try:
            withdraw_proposal(
                proposal_id=proposal.pk, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ProposalError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Proposal %(code)s has been withdrawn.") % {"code": proposal.code}
            )
        return redirect(proposal)
    return render(request, "proposals/proposal_withdraw.html", {"proposal": proposal, "form": form})


def proposal_compare(request, pk):
    """What changed between two submitted versions (default: the last two)."""
    proposal = get_proposal_for(request.user, pk)
    numbers = list(proposal.versions.order_by("number").values_list("number", flat=True))
    if len(numbers) < 2:
        messages.info(request, _("There is only one submitted version so far: nothing to compare."))
        return redirect(proposal)
    first = _int(request.GET.get("from"), numbers[-2])
    second = _int(request.GET.get("to"), numbers[-1])
    older, newer = get_version_pair(proposal, first, second)
    return render(
        request,
        "proposals/proposal_compare.html",
        {
            "proposal": proposal,
            "older": older,
            "newer": newer,
            "numbers": numbers,
            "changes": diff_snapshots(older.snapshot, newer.snapshot),
        },
    )


@require_GET
def proposal_history(request, pk):
    """Every audit event of the proposal, oldest first, for DGA staff."""
    proposal = get_proposal_for(request.user, pk)
    if not permissions.can_view_proposal_history(request.user, proposal):
        raise PermissionDenied
    return render(
        request,
        "proposals/proposal_history.html",
        {"proposal": proposal, "rows": list_history(about(proposal))},
    )


def attachment_download(request, pk, attachment_pk):
    """Serve a document only to those who may see its proposal, always as a download."""
    proposal = get_proposal_for(request.user, pk)
    attachment = proposal.attachments.filter(pk=attachment_pk).first()
    if attachment is None or not permissions.can_download_attachment(request.user, attachment):
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    record_attachment_download(attachment=attachment, actor=request.user)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=CONTENT_TYPES[attachment.kind],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
