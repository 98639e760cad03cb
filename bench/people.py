"""Generated institutions and accounts: deterministic names in the scripts the platform serves."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from bench import sizes
from lms.core.when import country_default_zone

COUNTRIES = ["UA", "GE", "MD", "AM", "PL", "RO", "LT", "LV", "EE", "FI", "SK", "HU", "BG", "HR", "SI", "CZ",
             "DE", "AT", "AZ", "BY", "SE", "NO", "GR", "IT", "ES", "PT", "FR", "NL", "BE", "DK", "IE", "CY",
             "MT", "LU", "RS", "ME", "AL", "MK", "BA", "TR", "KZ", "KG", "UZ", "TJ", "TM", "MN", "IS", "CH",
             "LI", "XK"]
INSTITUTION_KINDS = ["Border Guard Academy", "Border Police Training Centre", "Customs Training Institute",
                     "State Border Service College", "Border and Coast Guard School"]
FIRST = {
    "latin": ["Anna", "Ion", "Maria", "Piotr", "Elena", "Andrei", "Katarzyna", "Jonas", "Laura", "Mihai",
              "Oksana", "Tomas", "Ieva", "Marek", "Sofia", "Luka"],
    "cyrillic": ["Тарас", "Олена", "Андрій", "Наталія", "Сергій", "Ірина", "Богдан", "Оксана"],
    "georgian": ["გიორგი", "ნინო", "დავით", "თამარ", "ლევან", "მარიამ"],
    "armenian": ["Արամ", "Անի", "Դավիթ", "Լիլիթ", "Հայկ", "Մարիամ"],
}
LAST = {
    "latin": ["Rusu", "Kowalski", "Popescu", "Kazlauskas", "Ozols", "Tamm", "Horvat", "Novak", "Nagy",
              "Ivanova", "Bianchi", "Svensson"],
    "cyrillic": ["Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Мельник", "Кравченко"],
    "georgian": ["ბერიძე", "კაპანაძე", "გელაშვილი", "მაისურაძე", "ლომიძე"],
    "armenian": ["Հովհաննիսյան", "Սարգսյան", "Պետրոսյան", "Գրիգորյան", "Մարտիրոսյան"],
}
SCRIPT_OF = {"UA": "cyrillic", "GE": "georgian", "AM": "armenian"}

INSTITUTION_COLUMNS = ("id", "code", "name", "country", "timezone", "active", "created_at")
USER_COLUMNS = ("id", "email", "name", "password_hash", "role", "institution_id", "locale", "active", "created_at",
                "last_login_at")


def institutions(count: int, start: datetime) -> list[tuple]:
    """`count` institutions in different countries (codes such as UA-BG01)."""
    rows = []
    for n in range(count):
        country = COUNTRIES[n % len(COUNTRIES)]
        kind = INSTITUTION_KINDS[n % len(INSTITUTION_KINDS)]
        rows.append((n + 1, f"{country}-BG{n // len(COUNTRIES) + 1:02d}", f"{kind} of {country} no. {n + 1}",
                     country, country_default_zone(country) or "UTC", True, start))
    return rows


def person_name(rng: random.Random, country: str) -> str:
    """A first and last name in the script of the country (Latin elsewhere)."""
    script = SCRIPT_OF.get(country, "latin")
    if rng.random() < 0.15:
        script = "latin"  # names transliterated on an international course
    return f"{rng.choice(FIRST[script])} {rng.choice(LAST[script])}"


def staff_rows(institution_rows: list[tuple], password_hash: str, start: datetime, anchor: datetime):
    """The bench admin, five instructors and one coordinator per institution (the first is the bench one)."""
    rng = random.Random("bench-staff")
    rows = [(1, sizes.BENCH_ADMIN, "Bench Admin", password_hash, "admin", None, "en", True, start, anchor)]
    for n in range(5):
        rows.append((len(rows) + 1, f"instructor{n + 1}@bench.example", person_name(rng, "UA"), None, "instructor",
                     None, None, True, start, None))
    for inst in institution_rows:
        email = sizes.BENCH_COORDINATOR if inst[0] == 1 else f"coordinator.{inst[1].lower()}@bench.example"
        rows.append((len(rows) + 1, email, person_name(rng, inst[3]), password_hash if inst[0] == 1 else None,
                     "coordinator", inst[0], None, True, start, anchor if inst[0] == 1 else None))
    return rows


def trainee_row(user_id: int, number: int, institution: tuple, rng: random.Random, password_hash: str | None,
                anchor: datetime) -> tuple:
    """Trainee number `number` (0 is the bench trainee, who can sign in)."""
    created = anchor - timedelta(days=sizes.HISTORY_DAYS) + timedelta(days=rng.uniform(0, sizes.HISTORY_DAYS * 0.8))
    if number == 0:
        return (user_id, sizes.BENCH_TRAINEE, "Taras Bench", password_hash, "trainee", institution[0], "en", True,
                anchor - timedelta(days=sizes.HISTORY_DAYS), anchor)
    email = f"t{number:06d}.{institution[1].lower()}@bench.example"
    locale = "uk" if institution[3] == "UA" and rng.random() < 0.7 else None
    return (user_id, email, person_name(rng, institution[3]), None, "trainee", institution[0], locale,
            rng.random() > 0.02, created, None)
