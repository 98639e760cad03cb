"""Certificates: the PDF for whoever may see it, the public verification page, revoking."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.access import can_revoke_certificate, can_view_certificate, require
from lms.catalog import queries as catalog_queries
from lms.core import clock, when
from lms.core.downloads import resumable
from lms.core.headers import no_store
from lms.core.urls import external_url
from lms.languages import queries as language_queries
from lms.learning import queries, services
from lms.learning.certificate_pdf import CertificateDocument, render_certificate_pdf
from lms.learning.forms import RevokeForm
from lms.learning.views.base import bp


@bp.route("/certificates/<code>.pdf")
@login_required
def certificate_pdf(code: str):
    """Download a certificate (its holder, admins, the holder's coordinator)."""
    certificate = queries.certificate_by_code(code) or abort(404)
    require(can_view_certificate, certificate)
    course = catalog_queries.course_by_id(certificate.course_id)
    language, title = _certificate_language(certificate, course)
    document = CertificateDocument(
        holder_name=certificate.holder_name, course_title=title,
        institution_name=certificate.institution_name, issued_at=certificate.issued_at,
        expires_at=certificate.expires_at, code=certificate.code,
        verify_url=external_url("learning.verify", code=certificate.code), zone=when.person_zone(certificate.holder),
        hours=certificate.attended_hours)
    with force_locale(language):
        pdf = render_certificate_pdf(document)
    # The same certificate is the same PDF (its date is the issue's): a cut download resumes (lms.core.downloads).
    return resumable(pdf, f"certificate-{certificate.code}.pdf", "application/pdf")


def _certificate_language(certificate, course) -> tuple[str, str]:
    """The language a certificate prints in, and the course's title in it: the holder's own language when the
    course is written in it or has a published version in it, else the course's language when the interface
    has it, else the viewer's. The holder's own language is their profile's; a holder without one, downloading
    their certificate, reads the site in their browser's language, and that is theirs."""
    own = getattr(certificate.holder, "locale", None)
    if not own and current_user.id == certificate.user_id:
        own = str(get_locale())
    languages = current_app.config["LANGUAGES"]
    if course is not None and own in languages:
        if own == course.language:
            return own, certificate.course_title
        title = language_queries.published_title(course.id, own)
        if title:
            return own, title
    if course is not None and course.language in languages:
        return course.language, certificate.course_title
    return str(get_locale() or "en"), certificate.course_title


@bp.route("/verify/<code>", methods=["GET"])
@no_store  # public, and shows (part of) a person's name: never kept in a shared cache
def verify(code: str):
    """Public check of a certificate: valid, expired, revoked or unknown; only what the certificate shows."""
    certificate = queries.certificate_by_code(code)
    status = certificate.status(clock.now()) if certificate else "unknown"
    form = RevokeForm() if certificate and can_revoke_certificate(current_user, certificate) else None
    title = language_queries.published_title(certificate.course_id, str(get_locale())) if certificate else None
    response = render_template("learning/verify.html", certificate=certificate, status=status, revoke_form=form,
                               holder_zone=when.person_zone(certificate.holder) if certificate else None,
                               course_title=title or (certificate.course_title if certificate else None))
    return response, 200 if certificate else 404


@bp.route("/verify/<code>/revoke", methods=["POST"])
@login_required
def revoke(code: str):
    """Revoke a certificate with a reason (admins)."""
    certificate = queries.certificate_by_code(code) or abort(404)
    require(can_revoke_certificate, certificate)
    form = RevokeForm()
    if form.validate_on_submit():
        services.revoke_certificate(certificate, form.reason.data, current_user)
        flash(_("The certificate is revoked."), "success")
    else:
        flash(_("Give the reason for revoking the certificate."), "error")
    return redirect(url_for("learning.verify", code=code))
