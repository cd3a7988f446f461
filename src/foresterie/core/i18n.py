"""Languages of the human-facing outputs: gettext catalogues and CLDR formats, through Babel.

The message sources are the `.po` files in `foresterie/locale/LANG/LC_MESSAGES/foresterie.po`
(msgids are the English text). They are compiled with Babel into a gettext `.mo` image in memory
the first time a language is used (no compiled file in the repository, no build step, and an
edited `.po` takes effect at once). Italian and English are complete (a test checks every
message); French and Arabic cover the worker notices, and any other message falls back to English.

Figures for people go through `Lang` (1.120; 17,52 €; 26 novembre 2026); data files (CSV, JSON,
GPX, plan files) never do: they stay ISO and machine-readable.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Literal, get_args

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import (
    NumberPattern,
    format_currency,
    format_decimal,
    format_percent,
    parse_pattern,
)

LangCode = Literal["it", "en", "fr", "ar"]
LANGS: tuple[LangCode, ...] = get_args(LangCode)
# Languages whose catalogue is complete (a test checks it): the report, map and sheets are
# written only in these; French and Arabic cover the worker notices.
REPORT_LANGS: tuple[LangCode, ...] = ("it", "en")
DEFAULT_LANG: LangCode = "it"  # the planners, operators and auditors of Regione Puglia
DOMAIN = "foresterie"


def N_(message: str) -> str:
    """Mark a string for the catalogue without translating it here (translated where shown)."""
    return message


def po_path(lang: str) -> resources.abc.Traversable:
    return resources.files("foresterie") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def is_lang(code: str) -> bool:
    return code in LANGS


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The language's catalogue, compiled from its .po on first use (English: the msgids)."""
    po = po_path(lang)
    if not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def preload(codes: Iterable[str] = LANGS) -> None:
    """Compile these languages' catalogues in this process now. A process forked after this
    holds them (`translations` is cached per process) instead of parsing the .po files again:
    the pipeline calls it before forking the pool whose workers write the driver sheets and
    notices, in every language of the season's workers (Babel's read_po: 0.06-0.1 CPU s for the
    four, in each worker)."""
    for code in codes:
        translations(code)


# The locale whose conventions each language writes numbers, money and dates in, where it is not
# the bare language's: Babel's "en" is American ("August 10, 2027"); people in Italy reading
# English (workers from Nigeria, Ghana, the Gambia; auditors) read day-month-year.
FORMAT_LOCALES = {"en": "en_GB"}


@dataclass(frozen=True, kw_only=True)
class Lang:
    """One language: its messages and its ways of writing numbers, money and dates."""

    code: str

    @property
    def fmt(self) -> str:
        """The Babel locale of its formats (`FORMAT_LOCALES`)."""
        return FORMAT_LOCALES.get(self.code, self.code)

    @property
    def rtl(self) -> bool:
        return _rtl(self.code)

    @property
    def dir(self) -> str:
        return "rtl" if self.rtl else "ltr"

    def _(self, message: str) -> str:
        return translations(self.code).gettext(message)

    @property
    def comma(self) -> str:
        """The comma between two names of a list in this language's text: the Arabic comma in
        right-to-left text (a Latin one reads on the wrong side of an isolated Latin name)."""
        return "، " if self.rtl else ", "

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.code).ngettext(singular, plural, n)

    def num(self, value: float, digits: int = 0) -> str:
        """1120 -> '1.120' (it), '1,120' (en); `digits` fixed decimals."""
        return _num(self.fmt, value, digits)

    def dec(self, value: float) -> str:
        """A measured value with up to 3 significant decimals: 1234.5678 -> '1.234,568' (it)."""
        return format_decimal(round(value, 3), locale=self.fmt)

    def eur(self, value: float) -> str:
        """17.52 -> '17,52 €' (it), '€17.52' (en)."""
        return format_currency(value, "EUR", locale=self.fmt)

    def pct(self, value: float, digits: int = 1) -> str:
        """A percentage given in percent units: 87.5 -> '87,5%' (it)."""
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(value / 100, format=pattern, locale=self.fmt)

    def date(self, value: dt.date | str, fmt: str = "long") -> str:
        """'2026-11-26' -> '26 novembre 2026' (it, long), '26 nov 2026' (medium)."""
        d = dt.date.fromisoformat(value) if isinstance(value, str) else value
        return _date(self.fmt, d, fmt)

    def day_month(self, value: dt.date | str) -> str:
        """'2026-08-20' -> '20 ago' (it): short axis labels."""
        d = dt.date.fromisoformat(value) if isinstance(value, str) else value
        return _date(self.fmt, d, "d MMM")


# Babel parses the locale on every call; a season's report formats the same few hundred dates
# and numbers tens of thousands of times (driver sheets, notices): remember the answers.
@cache
def _rtl(code: str) -> bool:
    return bool(Locale.parse(code).character_order == "right-to-left")


@lru_cache(maxsize=4096)
def _date(code: str, d: dt.date, fmt: str) -> str:
    return format_date(d, format=fmt, locale=_locale(code))


@lru_cache(maxsize=65536, typed=True)
def _num(code: str, value: float, digits: int) -> str:
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    # format_decimal's own steps (Locale.parse, parse_pattern, NumberPattern.apply with its
    # defaults) with the locale and the pattern parsed once: every km of a sheet is a new value,
    # and Babel parsing them again was 3/4 of each call
    return _number_pattern(pattern).apply(value, _locale(code))


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@cache
def _number_pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


@cache
def lang(code: str | None = None) -> Lang:
    """The language `code` (default Italian); unknown codes are refused by the callers."""
    return Lang(code=code or DEFAULT_LANG)


def cli_lang() -> Lang:
    """The command line's language: $FORESTERIE_LANG, else the POSIX locale variables in gettext's
    order (LANGUAGE, LC_ALL, LC_MESSAGES, LANG; 'it_IT.UTF-8' -> it), else English."""
    for var in ("FORESTERIE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for part in os.environ.get(var, "").split(":"):
            code = part.split("_")[0].split(".")[0].lower()
            if is_lang(code):
                return lang(code)
            if code in ("c", "posix"):
                return lang("en")
    return lang("en")
