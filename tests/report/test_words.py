"""The words the report puts on codes, and the typography of the catalogues, as people read them.

Every code a plan file can carry (a waitlist reason, an unserved reason, a night without a bed,
a departure point's kind, how a tier was proven) must have words in the report: a code without
them is printed raw (`placement`) in the sentences a case worker reads. French puts a no-break
space before `; : ! ?` and inside « »: with an ordinary space a printed slip can start a line
with a lone `;` or `:`.
"""

from __future__ import annotations

import re
from typing import get_args

import pytest
from babel.messages.pofile import read_po

from foresterie.core.i18n import lang, po_path
from foresterie.housing.tiers import Proof
from foresterie.housing.waitlist import NEUTRAL_UNCOVERED, PublicCode, UncoveredCode, WaitlistCode
from foresterie.report.html import PROOF_LABELS, WAITLIST_REASONS
from foresterie.report.maps import POINT_KINDS, UNCOVERED_REASONS, UNSERVED_REASONS
from foresterie.report.noride import WHY as NO_RIDE_WHY
from foresterie.report.people import PERSON_REASONS
from foresterie.scenario.model import PICKUP_KINDS
from foresterie.shuttles.routes import UnservedCode

# plan/waitlist.csv carries the published codes; runs from before the split, the detailed ones.
WAITLIST_ANY = tuple(sorted(set(get_args(WaitlistCode)) | set(get_args(PublicCode))))


@pytest.mark.parametrize(
    ("codes", "labels"),
    [
        (WAITLIST_ANY, WAITLIST_REASONS),
        (get_args(UnservedCode), UNSERVED_REASONS),
        ((*get_args(UncoveredCode), NEUTRAL_UNCOVERED), UNCOVERED_REASONS),  # plan/uncovered.csv's
        (PICKUP_KINDS, POINT_KINDS),
        (get_args(Proof), PROOF_LABELS),
        (get_args(UnservedCode), NO_RIDE_WHY),
        (WAITLIST_ANY, PERSON_REASONS),
    ],
    ids=["waitlist", "unserved", "uncovered", "point_kind", "proof", "no_ride", "person"],
)
def test_every_code_of_the_plan_has_words_in_every_report_language(
    codes: tuple[str, ...], labels: dict[str, str]
) -> None:
    assert set(codes) == set(labels)
    for code in ("it", "en"):
        lg = lang(code)
        for c in codes:
            words = lg._(labels[c])
            assert words and words != c, (code, c)
    it = lang("it")
    assert all(it._(labels[c]) != labels[c] for c in codes)  # translated, not the English


# A space that may break before French high punctuation, or inside guillemets.
BREAKABLE = re.compile(r" [;:!?»]|« ")


def test_french_messages_never_break_before_high_punctuation() -> None:
    with po_path("fr").open("rb") as fh:
        catalog = read_po(fh, locale="fr")
    bad = []
    for m in catalog:
        if not m.id:
            continue
        for text in m.string if isinstance(m.string, tuple) else (m.string,):
            if text and BREAKABLE.search(text):
                bad.append(text)
    assert bad == []
    slip = lang("fr")._(
        "If anyone asks you for money or threatens you, call the anti-trafficking helpline "
        "{phone} (free, 24 hours a day)."
    )
    assert slip  # the notices' messages are among those checked
    back = lang("fr")._("vehicle {vehicle} at {time}; back at {place} by {back}")
    assert "\u202f;" in back


# An Italian place name may need an article ("al Villaggio", "alla Foresteria"): a bare "a"
# before it reads wrong for most names ("a Villaggio dell'Accoglienza"); "presso" fits them all.
BARE_A = re.compile(r"(?:^|\s)a \{(?:foresteria|place|next|base|where)\}")


def test_italian_never_puts_a_bare_a_before_a_place_name() -> None:
    with po_path("it").open("rb") as fh:
        catalog = read_po(fh, locale="it")
    bad = [
        text
        for m in catalog
        if m.id
        for text in (m.string if isinstance(m.string, tuple) else (m.string,))
        if text and BARE_A.search(text)
    ]
    assert bad == []
    assert "presso {place}" in lang("it")._("{n} at {place}, {reason}")
