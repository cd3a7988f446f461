"""The restricted part of a run folder: the fields that must never travel with ids into anything
published (each person's priority, the referral records), kept in `restricted/`, optionally
encrypted at rest.

Why a separate part and not a column: a priority of 3 means "referred by the anti-exploitation
system", i.e. a likely victim; next to a pseudonymous id it is special-category personal data.
The publishable part of a run keeps ids without it, so that it can be handed to an operator or an
auditor as a whole; `restricted/` goes only to whoever holds the case files.

Encryption (README, "Restricted part and encryption"): when FORESTERIE_RESTRICTED_KEY holds a
Fernet key (`foresterie restricted keygen` prints one), every restricted file is written as
`NAME.fernet` (AES-128-CBC + HMAC-SHA256, the `cryptography` package's Fernet recipe). Fernet
tokens carry a random IV and a timestamp, so the encrypted bytes differ on every write: the
manifest records a digest of the plaintext, which stays the same for the same plan. The key is
read from the environment only and never written anywhere.

The manifest's digest is keyed (`hmac-sha256:HEX`, HMAC-SHA256 keyed with the run's own random
salt, `restricted/salt.txt`, encrypted with the rest): the manifest travels without the
restricted part (the operator view) beside every id, and a plain sha256 of `priority.csv` let
whoever holds the ids try priorities until it matched (a 30-person run in 0.2 CPU s). Only
someone who can read the restricted part, salt included, can test a guess. A replay keeps the
run's salt, so its digests are the original's; a run from before the salt records the plain
sha256 (a bare 64-digit hex value), still read as such.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from foresterie.core.errors import Msg, Problem, ScenarioError
from foresterie.core.files import UnsafePath, read_inside, replace_file

KEY_ENV = "FORESTERIE_RESTRICTED_KEY"
SUFFIX = ".fernet"
FOLDER = "restricted"
MAX_BYTES = 256 << 20
RESTRICTED_KPIS = "kpis.json"  # the KPIs on priorities and referrals (README "KPIs")
RESTRICTED_TIERS = "tiers.json"  # the figures of the housing tiers by priority (run/planfiles)
SALT = "salt.txt"  # the run's key of the manifest's digests (64 hex digits), never in the manifest
KEYED = "hmac-sha256"  # the manifest's digest kind: `hmac-sha256:HEX`; a bare HEX is a plain sha256

# The draw key ([data] draw_key, README "Restricted part and encryption"): the secret that makes
# the tie-breaks (who rides first among equals, the lottery's tickets) unknowable from the
# published part of a run, which holds the seed and every id.
RESTRICTED_DRAW_KEY = "draw_key.txt"
DRAW_KEY_HEX = 64  # 256 bits, as `foresterie restricted drawkey` prints them


def new_draw_key() -> str:
    """A fresh draw key: 64 hex digits from the operating system's random source."""
    return secrets.token_hex(DRAW_KEY_HEX // 2)


def tie_break(draw_key: str | None, seed: int, worker_id: str) -> str:
    """Each person's place among equals (64 hex digits; the lower first): HMAC-SHA256 of
    "SEED:WORKER_ID" under the draw key, so nobody without the key can recompute it from the
    published seed and ids; with no key (a scenario without [data] draw_key, a day run) the
    documented fallback sha256("SEED:WORKER_ID"), which anyone can."""
    text = f"{seed}:{worker_id}".encode()
    if draw_key is None:
        return hashlib.sha256(text).hexdigest()
    return hmac.new(bytes.fromhex(draw_key), text, hashlib.sha256).hexdigest()


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def _fernet(required_for: str) -> Fernet | None:
    key = os.environ.get(KEY_ENV, "").strip()
    if not key:
        return None
    try:
        return Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise ScenarioError(
            [
                Problem(
                    KEY_ENV,
                    None,
                    "key",
                    Msg(
                        "not a Fernet key (32 url-safe base64 bytes; "
                        "`foresterie restricted keygen` makes one), needed to {what}",
                        what=required_for,
                    ),
                )
            ]
        ) from None


def new_salt() -> bytes:
    """A run's salt: 256 random bits as 64 hex digits (the bytes are the HMAC key)."""
    return secrets.token_hex(32).encode("ascii")


def digest(data: bytes, salt: bytes | None) -> str:
    """What a run records of a restricted plaintext (the manifest, purged.json): keyed with
    the run's salt, `hmac-sha256:HEX`; without a salt (a run from before it), its sha256."""
    if salt is None:
        return hashlib.sha256(data).hexdigest()
    return f"{KEYED}:{hmac.new(salt, data, hashlib.sha256).hexdigest()}"


def digest_matches(recorded: str, data: bytes, salt: bytes | None) -> bool:
    """Whether `recorded` (a manifest's digest, keyed or a plain sha256) is this plaintext's,
    keyed with `salt` (the run's)."""
    keyed = recorded.startswith(KEYED + ":")
    if keyed and salt is None:
        return False
    return hmac.compare_digest(recorded, digest(data, salt if keyed else None))


def write_restricted(folder: Path, files: dict[str, str], salt: bytes | None) -> dict[str, str]:
    """Write each restricted file (name -> text), encrypted when the key is set, with the run's
    salt beside them (`new_salt()` for a new run, the run's own when it is rewritten; None only
    for a run from before the salt, which gets none); return each plaintext's digest by plain
    name, for the manifest's `restricted` part."""
    if not files:
        return {}
    box = _fernet("encrypt the restricted part")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # readable by its owner only
    hashes = {}
    salted = {SALT: salt.decode("ascii")} if salt is not None else {}
    for name, text in sorted({**files, **salted}.items()):
        data = text.encode("utf-8")
        if name != SALT:
            hashes[name] = digest(data, salt)
        if box is None:
            replace_file(folder / name, data)
        else:
            replace_file(folder / (name + SUFFIX), box.encrypt(data))
        # the same file written the other way before (a part rewritten by a purge)
        (folder / (name if box is not None else name + SUFFIX)).unlink(missing_ok=True)
    return hashes


def restricted_names(run: Path) -> dict[str, bool]:
    """Plain name -> encrypted? for every file in the run's restricted part."""
    folder = run / FOLDER
    if not folder.is_dir():
        return {}
    out = {}
    for p in sorted(folder.iterdir()):
        if p.is_file():
            plain = p.name.removesuffix(SUFFIX)
            out[plain] = p.name != plain
    return out


def read_restricted(run: Path) -> dict[str, bytes]:
    """The plaintext of every restricted file (name -> bytes), decrypted with the key from the
    environment; an encrypted part without the key (or with another key) is bad input."""
    out = {}
    for name, encrypted in restricted_names(run).items():
        rel = f"{FOLDER}/{name}{SUFFIX if encrypted else ''}"
        try:
            data = read_inside(run, rel, MAX_BYTES)
        except UnsafePath as exc:
            raise ScenarioError([Problem(rel, None, "file", exc.reason)]) from None
        if encrypted:
            box = _fernet(f"read {rel}")
            if box is None:
                raise ScenarioError(
                    [Problem(rel, None, "key", Msg("encrypted: set {env}", env=KEY_ENV))]
                )
            try:
                data = box.decrypt(data)
            except InvalidToken:
                raise ScenarioError(
                    [Problem(rel, None, "key", Msg("cannot be decrypted with this key"))]
                ) from None
        out[name] = data
    return out
