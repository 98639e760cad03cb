"""What the tests of reading a course in its language versions share: the trainee signed in and enrolled in the
module's `course` (each module makes its own)."""
from __future__ import annotations

import pytest

from tests.helpers import sign_in_and_enrol


@pytest.fixture()
def reader(client, auth, world, course):
    """The trainee, signed in (English interface) and enrolled in the module's course."""
    return sign_in_and_enrol(auth, world["trainee"].email)
