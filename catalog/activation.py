"""One-time activation codes: issued in bulk, mailed by the regional union, used once.

A practitioner activates an account with their RPPS number and the code printed in
the letter. Only a salted scrypt hash of each code is stored. A code has ~59 bits of
entropy, so guessing is hopeless whatever the hash cost: scrypt is kept cheap enough
to issue tens of thousands of codes in seconds, and only stops a stolen database
from being read as a list of working codes.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from catalog import audit
from catalog.communes import communes
from catalog.schedule import PARIS
from catalog.store import Store, iso, utcnow

__all__ = [
    "CODE_ALPHABET",
    "CODE_MESSAGES",
    "InvalidActivationCode",
    "IssuedCode",
    "check_code",
    "consume_code",
    "issue_codes",
    "write_mailing_csv",
]

# No 0/O, 1/I/L: codes are read on paper and typed by hand.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
GROUP = 4
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**8, 8, 1      # 256 KiB, ~0.6 ms a hash on this machine
SALT_BYTES = 16

CODE_MESSAGES = {
    "unknown": "Ce code d'activation ne correspond pas à ce numéro RPPS.",
    "used": "Ce code d'activation a déjà été utilisé.",
    "expired": "Ce code d'activation a expiré : demandez un nouveau courrier à l'URPS.",
}

MAILING_COLUMNS = (
    "rpps",
    "civilite",
    "nom",
    "prenom",
    "adresse du cabinet",
    "code postal",
    "commune",
    "code d'activation",
    "valable jusqu'au",
)


class InvalidActivationCode(ValueError):
    """The code cannot be used; ``status`` is "unknown", "used" or "expired"."""

    def __init__(self, status: str):
        super().__init__(CODE_MESSAGES[status])
        self.status = status


@dataclass(frozen=True)
class IssuedCode:
    """A freshly issued code, in clear, with what the letter needs."""

    rpps: str
    code: str
    expires_at: datetime
    civility: str
    last_name: str
    first_name: str
    address: str
    postal_code: str
    commune: str


# --- codes and hashes -----------------------------------------------------------------

def new_code() -> str:
    """"K7QM-4TZP-9WXD": 12 characters from CODE_ALPHABET, grouped by 4."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def _canonical(code: str) -> str:
    """What is hashed: upper case, without the dashes and spaces people type or not."""
    return "".join(code.split()).replace("-", "").upper()


def hash_code(code: str) -> str:
    """"scrypt$n$r$p$salt$hash", salt and hash in unpadded URL-safe base64."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(_canonical(code).encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return "$".join(("scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)))


def code_matches(code: str, encoded: str) -> bool:
    scheme, n, r, p, salt, digest = encoded.split("$")
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(_canonical(code).encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    return hmac.compare_digest(candidate, _unb64(digest))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def expiry(now: datetime, valid_days: int) -> datetime:
    """The end of the last valid day in Paris, so that the date printed on the letter holds all day."""
    last_day = now.astimezone(PARIS).date() + timedelta(days=valid_days)
    return datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=PARIS)


# --- issuing --------------------------------------------------------------------------

_ELIGIBLE_SQL = """
SELECT p.rpps FROM practitioners p
WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.rpps = p.rpps AND a.status = 'active')
  AND NOT EXISTS (SELECT 1 FROM activation_codes c WHERE c.rpps = p.rpps AND c.used_at IS NULL AND c.expires_at > ?)
"""

# The letter goes to the practice: the site of the practitioner's first active unit (a mover's
# old site, ended, only when nothing else is known).
_LETTER_SQL = """
SELECT p.rpps, p.civility, p.last_name, p.first_name,
       COALESCE(e.address, '') AS address, COALESCE(e.postal_code, '') AS postal_code, e.insee
FROM practitioners p
LEFT JOIN establishments e ON e.id = (SELECT u.eg_id FROM units u WHERE u.owner_rpps = p.rpps
                                      ORDER BY CASE WHEN u.ended_at IS NULL THEN 0 ELSE 1 END, u.id LIMIT 1)
WHERE p.rpps = ?
"""


def issue_codes(
    store: Store,
    *,
    rpps_list: list[str] | None = None,
    valid_days: int = 90,
    now: datetime | None = None,
    actor: str = audit.ACTOR_CLI,
) -> list[IssuedCode]:
    """Issue one code per practitioner and return them in clear, for the mailing only.

    Without ``rpps_list``: every practitioner with no active account and no valid
    unused code. With it: those practitioners (a lost letter), whose earlier unused
    codes then expire; unknown numbers raise ValueError, practitioners with an
    active account are left out. Hashing happens outside the write transaction,
    which stays short. Each code issued is in the audit trail (who, when, for whom;
    never the code).
    """
    now = now or utcnow()
    expires_at = expiry(now, valid_days)
    with store.snapshot() as conn:
        if rpps_list is None:
            wanted = [row["rpps"] for row in conn.execute(_ELIGIBLE_SQL + " ORDER BY p.rpps", (iso(now),))]
        else:
            wanted = list(dict.fromkeys(rpps_list))
            known = {row["rpps"] for row in conn.execute(
                f"SELECT rpps FROM practitioners WHERE rpps IN ({', '.join('?' for _ in wanted)})", wanted)} if wanted else set()
            unknown = [rpps for rpps in wanted if rpps not in known]
            if unknown:
                raise ValueError(f"Numéro(s) RPPS inconnu(s) : {', '.join(unknown[:10])}")
        letters = {rpps: conn.execute(_LETTER_SQL, (rpps,)).fetchone() for rpps in wanted}
    codes = [new_code() for _ in wanted]
    # hashlib.scrypt releases the GIL: threads use every core.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        hashes = list(pool.map(hash_code, codes, chunksize=256))
    drafts = list(zip(wanted, codes, hashes))

    issued: list[IssuedCode] = []
    stamp = iso(now)
    places = communes()
    with store.transaction() as conn:
        if rpps_list is None:
            # Another run may have issued codes since the snapshot.
            still = {row["rpps"] for row in conn.execute(_ELIGIBLE_SQL, (stamp,))}
        else:
            active = {row["rpps"] for row in conn.execute("SELECT rpps FROM accounts WHERE status = 'active' AND rpps IS NOT NULL")}
            still = set(wanted) - active
            # A new letter replaces the previous one.
            conn.executemany(
                "UPDATE activation_codes SET expires_at = ? WHERE rpps = ? AND used_at IS NULL AND expires_at > ?",
                [(stamp, rpps, stamp) for rpps in still],
            )
        kept = [(rpps, code, encoded) for rpps, code, encoded in drafts if rpps in still]
        conn.executemany(
            "INSERT INTO activation_codes (rpps, code_hash, expires_at, created_at) VALUES (?, ?, ?, ?)",
            [(rpps, encoded, iso(expires_at), stamp) for rpps, _, encoded in kept],
        )
        audit.record_many(conn, actor, "activation_code", [(rpps, "issued", None, iso(expires_at)) for rpps, _, _ in kept], now)
    for rpps, code, _ in kept:
        letter = letters[rpps]
        commune = places.get(letter["insee"] or "")
        issued.append(IssuedCode(
            rpps=rpps,
            code=code,
            expires_at=expires_at,
            civility=letter["civility"],
            last_name=letter["last_name"],
            first_name=letter["first_name"],
            address=letter["address"],
            postal_code=letter["postal_code"],
            commune=commune.name if commune else "",
        ))
    return issued


def write_mailing_csv(codes: list[IssuedCode], path: str | Path) -> Path:
    """The file the regional union merges into letters.

    French spreadsheet conventions: ';' separator and a UTF-8 BOM, so that Excel and
    LibreOffice open it with its accents and columns right.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(MAILING_COLUMNS)
        for item in codes:
            # The last valid day: expires_at is midnight after it, in Paris.
            last_day = (item.expires_at.astimezone(PARIS) - timedelta(microseconds=1)).date()
            writer.writerow((
                item.rpps, item.civility, item.last_name, item.first_name, item.address,
                item.postal_code, item.commune, item.code, last_day.strftime("%d/%m/%Y"),
            ))
    return path


# --- using ----------------------------------------------------------------------------

def _find(conn, rpps: str, code: str):
    """The row of this practitioner's code, newest first, or None."""
    if len(_canonical(code)) != CODE_LENGTH:
        return None
    for row in conn.execute("SELECT * FROM activation_codes WHERE rpps = ? ORDER BY id DESC", (rpps,)):
        if code_matches(code, row["code_hash"]):
            return row
    return None


def _status(row, now: datetime) -> str:
    if row is None:
        return "unknown"
    if row["used_at"] is not None:
        return "used"
    if row["expires_at"] <= iso(now):
        return "expired"
    return "ok"


def check_code(conn, rpps: str, code: str, now: datetime) -> str:
    """"ok", "unknown", "used" or "expired" for this RPPS number and typed code."""
    return _status(_find(conn, rpps, code), now)


def consume_code(conn, rpps: str, code: str, now: datetime) -> None:
    """Mark the code used, inside the caller's write transaction (with the account's creation).

    Raises InvalidActivationCode (French message, ``status``) when it cannot be used.
    """
    row = _find(conn, rpps, code)
    status = _status(row, now)
    if status != "ok":
        raise InvalidActivationCode(status)
    cursor = conn.execute("UPDATE activation_codes SET used_at = ? WHERE id = ? AND used_at IS NULL", (iso(now), row["id"]))
    if cursor.rowcount != 1:
        raise InvalidActivationCode("used")
