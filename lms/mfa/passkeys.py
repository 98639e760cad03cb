"""Passkeys (WebAuthn) as a second factor: the options handed to the browser and the check of its answer,
with the `webauthn` library (py_webauthn). The relying party is this site: its id is the host name
(LMS_WEBAUTHN_RP_ID, else the host of LMS_PUBLIC_URL, else the request's) and the browser's answer must come
from the site's own origin, which defeats a look-alike site relaying the ceremony.

The challenge of a ceremony is kept in the (signed) session and used once.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import webauthn
from flask import current_app, request, session
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

_CHALLENGE = "_passkey_challenge"
# What a browser's answer may weigh: a credential with its attestation is a few kilobytes.
MAX_ANSWER_BYTES = 64 * 1024
TIMEOUT_MS = 120_000


class PasskeyRefused(ValueError):
    """The browser's answer does not prove the passkey (wrong site, stale challenge, forged, unknown)."""


@dataclass
class NewPasskey:
    """A verified registration: what is stored of the credential."""

    credential_id: bytes
    public_key: bytes
    sign_count: int


def origin() -> str:
    """The site's origin as the browser sees it: LMS_PUBLIC_URL's if set, else the request's."""
    public = current_app.config.get("PUBLIC_URL")
    if public:
        parts = urlsplit(public)
        return f"{parts.scheme}://{parts.netloc}"
    return f"{request.scheme}://{request.host}"


def rp_id() -> str:
    """The relying party's id: a host name, never with a port."""
    return current_app.config.get("WEBAUTHN_RP_ID") or urlsplit(origin()).hostname or "localhost"


def registration_options(user, existing: list[bytes]) -> str:
    """The JSON options of `navigator.credentials.create` for `user`; its passkeys already known are
    excluded (the same key twice would be one factor counted as two)."""
    options = webauthn.generate_registration_options(
        rp_id=rp_id(), rp_name=current_app.config["MFA_ISSUER"], user_name=user.email,
        user_id=f"lms-user-{user.id}".encode(), user_display_name=user.name, timeout=TIMEOUT_MS,
        exclude_credentials=[PublicKeyCredentialDescriptor(id=c) for c in existing],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED))
    session[_CHALLENGE] = bytes_to_base64url(options.challenge)
    return webauthn.options_to_json(options)


def authentication_options(credentials: list[bytes]) -> str:
    """The JSON options of `navigator.credentials.get` offering the person's passkeys."""
    options = webauthn.generate_authentication_options(
        rp_id=rp_id(), timeout=TIMEOUT_MS,
        allow_credentials=[PublicKeyCredentialDescriptor(id=c) for c in credentials],
        user_verification=UserVerificationRequirement.PREFERRED)
    session[_CHALLENGE] = bytes_to_base64url(options.challenge)
    return webauthn.options_to_json(options)


def _answer(raw: str | bytes) -> dict:
    if len(raw) > MAX_ANSWER_BYTES:
        raise PasskeyRefused("too large")
    try:
        answer = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise PasskeyRefused("not JSON") from exc
    if not isinstance(answer, dict) or not isinstance(answer.get("id"), str):
        raise PasskeyRefused("not a credential")
    return answer


def _challenge() -> bytes:
    stored = session.pop(_CHALLENGE, None)  # one answer per challenge, right or wrong
    if not stored:
        raise PasskeyRefused("no challenge")
    return webauthn.base64url_to_bytes(stored)


def verify_registration(raw: str | bytes) -> NewPasskey:
    """Check the browser's answer to `registration_options`; raises PasskeyRefused."""
    answer = _answer(raw)
    try:
        verified = webauthn.verify_registration_response(
            credential=answer, expected_challenge=_challenge(), expected_rp_id=rp_id(), expected_origin=origin())
    except (InvalidRegistrationResponse, KeyError, TypeError, ValueError) as exc:
        raise PasskeyRefused(str(exc)) from exc
    return NewPasskey(verified.credential_id, verified.credential_public_key, verified.sign_count)


def credential_id_of(raw: str | bytes) -> bytes:
    """The credential id an authentication answer names (to find its stored key); raises PasskeyRefused."""
    try:
        return webauthn.base64url_to_bytes(_answer(raw)["id"])
    except (ValueError, TypeError) as exc:
        raise PasskeyRefused("bad id") from exc


def verify_authentication(raw: str | bytes, public_key: bytes, sign_count: int) -> int:
    """Check the browser's answer to `authentication_options` against the stored key; the new signature
    count. Raises PasskeyRefused (a counter that went backwards is refused by the library: a cloned key)."""
    answer = _answer(raw)
    try:
        verified = webauthn.verify_authentication_response(
            credential=answer, expected_challenge=_challenge(), expected_rp_id=rp_id(), expected_origin=origin(),
            credential_public_key=public_key, credential_current_sign_count=sign_count)
    except (InvalidAuthenticationResponse, KeyError, TypeError, ValueError) as exc:
        raise PasskeyRefused(str(exc)) from exc
    return verified.new_sign_count
