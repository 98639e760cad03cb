"""Writes of the privacy feature: acknowledging the notice, downloading one's data, anonymising a
departed officer, and applying the retention settings.

Anonymisation keeps every row that figures are made of (enrolments, completions, attempts with
their scores, certificates with their codes and validity) and replaces what names the person: the
account's name and email, free text they wrote or that was written about them, the name on their
certificates, and personal details in the audit log. Sign-in is disabled for good.

- `notice`: acknowledging the privacy notice;
- `download`: a person's data as JSON or a zip of CSV files (`export_personal_data`), with the files it names;
- `anonymise`: anonymising an account (`anonymise_user`) and the free text that names the person;
- `retention`: applying the retention settings (`prune`, its `PruneReport`);
- `common`: the feature's log and `PrivacyError`.

Callers use `lms.privacy.services.<name>`; the names are re-exported here.
"""
from lms.privacy.services.anonymise import (  # noqa: F401
    ADDRESS_KEYS,
    FREE_TEXT_COLUMNS,
    FREE_TEXT_KEYS,
    PLACEHOLDER,
    anonymise_user,
)
from lms.privacy.services.common import PrivacyError, log  # noqa: F401
from lms.privacy.services.download import FORMATS, Download, export_personal_data  # noqa: F401
from lms.privacy.services.notice import acknowledge_notice  # noqa: F401
from lms.privacy.services.retention import PruneReport, prune  # noqa: F401
