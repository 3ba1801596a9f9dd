"""Accounts: activation, passwords, lockout, e-mail tokens, API keys, demo accounts.

Every function that writes takes the caller's connection (one transaction per
request), except the few admin helpers that take a ``Store`` and are called from
the command line. Passwords are hashed with argon2id; tokens and API keys are long
random strings stored as SHA-256 digests.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from catalog import api_key_scopes, audit, ratelimit
from catalog.ratelimit import Limit
from catalog.sql import Row, StoreConnection
from catalog.store import MAX_ROWID, Store, iso, utcnow

ROLES = ("practitioner", "admin")
LOCKOUT_THRESHOLD = 5
LOCKOUT_DURATION = timedelta(minutes=15)
TOKEN_LIFETIMES = {
    "confirm_email": timedelta(hours=48),
    "reset_password": timedelta(hours=1),
}
RESET_MAILS_PER_ACCOUNT = Limit(hits=3, seconds=60 * 60)
API_KEY_PREFIX = "ror_"

DEMO_ADMIN_EMAIL = "admin@demo.ror-search.fr"
DEMO_ADMIN_PASSWORD = "Admin-Demo-2026"
DEMO_PRACTITIONER_EMAIL = "kine@demo.ror-search.fr"
DEMO_PRACTITIONER_PASSWORD = "Kine-Demo-2026"

_hasher = PasswordHasher()
_dummy_hash: str | None = None


class AccountExists(Exception):
    """An RPPS number (or e-mail) already has an account."""


class EmailTaken(Exception):
    """Another account uses this e-mail address."""


class ActivationRefused(Exception):
    """Activation failed; ``reason`` is 'unknown', 'used', 'expired' or 'account_exists'."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TokenRefused(Exception):
    """An e-mail link that is unknown, used or expired (``reason``)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- passwords ---------------------------------------------------------------------

def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        dummy_verify(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_verify(password: str) -> None:
    """Spend the time of a real verification, so an unknown login answers as slowly."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
    try:
        _hasher.verify(_dummy_hash, password)
    except VerificationError:
        pass


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# --- reading accounts ----------------------------------------------------------------

def account_dict(row: Row | None) -> dict | None:
    """An account row without its password hash."""
    if row is None:
        return None
    account = dict(row)
    account.pop("password_hash", None)
    return account


def get_account(conn: StoreConnection, account_id: int) -> dict | None:
    return account_dict(conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone())


def find_account(conn: StoreConnection, *, rpps: str | None = None, email: str | None = None) -> dict | None:
    if rpps is not None:
        row = conn.execute("SELECT * FROM accounts WHERE rpps = ?", (rpps,)).fetchone()
    else:
        row = conn.execute("SELECT * FROM accounts WHERE email = ?", ((email or "").lower(),)).fetchone()
    return account_dict(row)


def admin_accounts(conn: StoreConnection) -> list[dict]:
    """Active members of the management cell (who receive the anomaly e-mails)."""
    rows = conn.execute("SELECT * FROM accounts WHERE role = 'admin' AND status = 'active' ORDER BY id")
    return [account_dict(r) for r in rows]


def needs_details(account: dict) -> bool:
    """True until the e-mail is given and the terms of use accepted (guide, step 9)."""
    return not account.get("email") or not account.get("terms_accepted_at")


def public_account(account: dict) -> dict:
    """What the API shows of an account (to its owner)."""
    return {
        "id": account["id"],
        "role": account["role"],
        "rpps": account["rpps"],
        "email": account["email"],
        "display_name": account["display_name"],
        "email_confirmed": bool(account["email_confirmed_at"]),
        "terms_accepted": bool(account["terms_accepted_at"]),
        "needs_details": needs_details(account),
        "created_at": account["created_at"],
    }


# --- creating accounts ---------------------------------------------------------------

def _display_name(conn: StoreConnection, rpps: str) -> str:
    row = conn.execute("SELECT first_name, last_name FROM practitioners WHERE rpps = ?", (rpps,)).fetchone()
    return f"{row['first_name']} {row['last_name']}".strip() if row else ""


def create_practitioner_account(conn: StoreConnection, rpps: str, password: str, now: datetime) -> dict:
    """An active practitioner account linked to an RPPS number (no e-mail yet)."""
    if find_account(conn, rpps=rpps) is not None:
        raise AccountExists(rpps)
    cursor = conn.execute(
        """INSERT INTO accounts (rpps, password_hash, role, display_name, status, created_at)
           VALUES (?, ?, 'practitioner', ?, 'active', ?) RETURNING id""",
        (rpps, hash_password(password), _display_name(conn, rpps), iso(now)),
    )
    return get_account(conn, cursor.scalar())


def create_admin_account(conn: StoreConnection, email: str, password: str, display_name: str, now: datetime) -> dict:
    """A member of the management cell; the address counts as confirmed (set by an operator)."""
    email = email.lower()
    if find_account(conn, email=email) is not None:
        raise AccountExists(email)
    stamp = iso(now)
    cursor = conn.execute(
        """INSERT INTO accounts (email, password_hash, role, display_name, status, terms_accepted_at,
                                 email_confirmed_at, created_at)
           VALUES (?, ?, 'admin', ?, 'active', ?, ?, ?) RETURNING id""",
        (email, hash_password(password), display_name, stamp, stamp, stamp),
    )
    return get_account(conn, cursor.scalar())


def activate(conn: StoreConnection, rpps: str, code: str, password: str, now: datetime) -> dict:
    """RPPS number + one-time code + password → an active practitioner account.

    The code is checked before the account, so whoever does not hold a valid code
    learns nothing about which RPPS numbers have an account.
    """
    from catalog import activation

    state = activation.check_code(conn, rpps, code, now)
    if state != "ok":
        raise ActivationRefused(state)
    if find_account(conn, rpps=rpps) is not None:
        raise ActivationRefused("account_exists")
    account = create_practitioner_account(conn, rpps, password, now)
    try:
        activation.consume_code(conn, rpps, code, now)
    except activation.InvalidActivationCode as error:
        raise ActivationRefused(error.status) from None  # the caller's transaction rolls back
    return account


def set_details(conn: StoreConnection, account_id: int, email: str, now: datetime) -> dict:
    """Record the e-mail address and the acceptance of the terms; a new address is unconfirmed."""
    email = email.lower()
    other = find_account(conn, email=email)
    if other is not None and other["id"] != account_id:
        raise EmailTaken(email)
    current = get_account(conn, account_id)
    confirmed = current["email_confirmed_at"] if current["email"] == email else None
    conn.execute(
        "UPDATE accounts SET email = ?, email_confirmed_at = ?, terms_accepted_at = COALESCE(terms_accepted_at, ?) WHERE id = ?",
        (email, confirmed, iso(now), account_id),
    )
    return get_account(conn, account_id)


def set_password(conn: StoreConnection, account_id: int, password: str) -> None:
    """New password: lockout cleared, and every session signed with the old one ends."""
    conn.execute(
        """UPDATE accounts SET password_hash = ?, failed_logins = 0, locked_until = NULL,
                               session_version = session_version + 1 WHERE id = ?""",
        (hash_password(password), account_id),
    )


def end_sessions(conn: StoreConnection, account_id: int) -> None:
    """Every session of the account ends (sign-out): its session epoch moves on."""
    conn.execute("UPDATE accounts SET session_version = session_version + 1 WHERE id = ?", (account_id,))


# --- signing in ----------------------------------------------------------------------

@dataclass(frozen=True)
class SignIn:
    account: dict | None        # set only when the sign-in succeeded
    outcome: str                # 'ok' | 'invalid' | 'locked'


def authenticate(conn: StoreConnection, login: str, login_kind: str, password: str, now: datetime) -> SignIn:
    """Check a login (RPPS number, or a confirmed e-mail) and a password; count failures.

    ``LOCKOUT_THRESHOLD`` failures in a row lock the account for ``LOCKOUT_DURATION``;
    while it is locked even the right password is refused (and not checked, so a
    locked account cannot be used to go on guessing).
    """
    if login_kind == "rpps":
        row = conn.execute("SELECT * FROM accounts WHERE rpps = ?", (login,)).fetchone()
    else:
        row = conn.execute(
            "SELECT * FROM accounts WHERE email = ? AND email_confirmed_at IS NOT NULL", (login.lower(),)
        ).fetchone()
    if row is None or row["status"] != "active":
        dummy_verify(password)
        return SignIn(None, "invalid")
    if row["locked_until"] and row["locked_until"] > iso(now):
        dummy_verify(password)
        return SignIn(None, "locked")
    if not verify_password(row["password_hash"], password):
        failures = row["failed_logins"] + 1
        if failures >= LOCKOUT_THRESHOLD:
            conn.execute("UPDATE accounts SET failed_logins = 0, locked_until = ? WHERE id = ?",
                         (iso(now + LOCKOUT_DURATION), row["id"]))
        else:
            conn.execute("UPDATE accounts SET failed_logins = ?, locked_until = NULL WHERE id = ?", (failures, row["id"]))
        return SignIn(None, "invalid")
    conn.execute("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = ?", (row["id"],))
    if _hasher.check_needs_rehash(row["password_hash"]):
        conn.execute("UPDATE accounts SET password_hash = ? WHERE id = ?", (hash_password(password), row["id"]))
    return SignIn(get_account(conn, row["id"]), "ok")


# --- e-mail tokens (confirmation, password reset) ---------------------------------------

def issue_token(conn: StoreConnection, account_id: int, purpose: str, email: str, now: datetime) -> tuple[str, datetime]:
    """A one-time token for a link; earlier unused tokens of the same purpose stop working."""
    token = secrets.token_urlsafe(32)
    expires = now + TOKEN_LIFETIMES[purpose]
    conn.execute(
        "UPDATE email_tokens SET used_at = ? WHERE account_id = ? AND purpose = ? AND used_at IS NULL",
        (iso(now), account_id, purpose),
    )
    conn.execute(
        """INSERT INTO email_tokens (account_id, purpose, token_hash, email, expires_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?)""",
        (account_id, purpose, _digest(token), email, iso(expires), iso(now)),
    )
    return token, expires


def check_token(conn: StoreConnection, token: str, purpose: str, now: datetime) -> dict:
    """The token's row if it can still be used; raises TokenRefused otherwise."""
    row = conn.execute(
        "SELECT * FROM email_tokens WHERE token_hash = ? AND purpose = ?", (_digest(token or ""), purpose)
    ).fetchone()
    if row is None:
        raise TokenRefused("unknown")
    if row["used_at"]:
        raise TokenRefused("used")
    if row["expires_at"] <= iso(now):
        raise TokenRefused("expired")
    return dict(row)


def _use_token(conn: StoreConnection, token: str, purpose: str, now: datetime) -> dict:
    row = check_token(conn, token, purpose, now)
    conn.execute("UPDATE email_tokens SET used_at = ? WHERE id = ?", (iso(now), row["id"]))
    return row


def confirm_email(conn: StoreConnection, token: str, now: datetime) -> dict:
    """Mark the address as confirmed, if it is still the account's address."""
    row = _use_token(conn, token, "confirm_email", now)
    account = get_account(conn, row["account_id"])
    if account is None or account["email"] != row["email"]:
        raise TokenRefused("unknown")  # the address changed since: this link is void
    conn.execute("UPDATE accounts SET email_confirmed_at = ? WHERE id = ?", (iso(now), account["id"]))
    return get_account(conn, account["id"])


def reset_password(conn: StoreConnection, token: str, password: str, now: datetime) -> dict:
    row = _use_token(conn, token, "reset_password", now)
    set_password(conn, row["account_id"], password)
    return get_account(conn, row["account_id"])


def issue_reset_token(conn: StoreConnection, login: str, login_kind: str, now: datetime) -> tuple[dict, str] | None:
    """(account, token) for a reset request naming an RPPS number or an e-mail, or None.

    None when no active account with an e-mail address matches, and when this
    account already got ``RESET_MAILS_PER_ACCOUNT`` e-mails in the hour (someone
    must not be able to flood a practitioner's mailbox).
    """
    account = find_account(conn, rpps=login) if login_kind == "rpps" else find_account(conn, email=login)
    if account is None or account["status"] != "active" or not account["email"]:
        return None
    if not ratelimit.hit(conn, f"reset-account:{account['id']}", RESET_MAILS_PER_ACCOUNT, now).allowed:
        return None
    token, _ = issue_token(conn, account["id"], "reset_password", account["email"], now)
    return account, token


# --- API keys ------------------------------------------------------------------------

API_KEY_SCOPES = tuple(api_key_scopes.SCOPES)   # beyond reading (catalog/api_key_scopes.py)


def create_api_key(store: Store, name: str, actor: str = audit.ACTOR_CLI, scopes: tuple[str, ...] = ()) -> str:
    """A new API key for another application, read-only unless given ``scopes``; the plain key
    is returned only here.

    The audit trail names the key and its prefix, never the key."""
    unknown = set(scopes) - set(API_KEY_SCOPES)
    if unknown:
        raise ValueError(f"unknown API key scope(s): {', '.join(sorted(unknown))}")
    prefix = secrets.token_hex(4)
    key = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    name = name.strip() or "sans nom"
    now = utcnow()
    with store.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO api_keys (name, prefix, key_hash, created_at, scopes) VALUES (?, ?, ?, ?, ?) RETURNING id",
            (name, API_KEY_PREFIX + prefix, _digest(key), iso(now), " ".join(sorted(set(scopes)))),
        )
        audit.record(conn, actor, "api_key", str(cursor.scalar()), "created", now,
                     new=f"{name} ({API_KEY_PREFIX + prefix}…)" + (f" [{' '.join(sorted(set(scopes)))}]" if scopes else ""))
    return key


def api_key_for(conn: StoreConnection, key: str) -> dict | None:
    """The active key matching a presented secret, or None (unknown or revoked)."""
    row = conn.execute("SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL", (_digest(key),)).fetchone()
    if row is None:
        return None
    key_row = dict(row)
    key_row.pop("key_hash")
    return key_row


def touch_api_key(conn: StoreConnection, key_id: int, now: datetime) -> None:
    conn.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (iso(now), key_id))


def list_api_keys(conn: StoreConnection) -> list[dict]:
    return [dict(r) for r in conn.execute(
        "SELECT id, name, prefix, created_at, revoked_at, last_used_at FROM api_keys ORDER BY id")]


def revoke_api_key(store: Store, key_id: int, actor: str = audit.ACTOR_CLI) -> bool:
    """Revoke a key (by id); False when there is no such active key."""
    if not 0 <= key_id <= MAX_ROWID:  # an id from a URL; SQLite would overflow
        return False
    now = utcnow()
    with store.transaction() as conn:
        row = conn.execute("SELECT name, prefix FROM api_keys WHERE id = ? AND revoked_at IS NULL", (key_id,)).fetchone()
        if row is None:
            return False
        conn.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (iso(now), key_id))
        audit.record(conn, actor, "api_key", str(key_id), "revoked", now, old=f"{row['name']} ({row['prefix']}…)")
    return True


# --- demo accounts -------------------------------------------------------------------

def _ensure_password(conn: StoreConnection, account_id: int, password: str) -> None:
    # The printed demo credentials must work even if someone changed the password.
    row = conn.execute("SELECT password_hash FROM accounts WHERE id = ?", (account_id,)).fetchone()
    if not verify_password(row["password_hash"], password):
        set_password(conn, account_id, password)
    conn.execute("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = ?", (account_id,))


def ensure_demo_accounts(store: Store, settings) -> dict:
    """Create (once) the demo admin and a signed-up practitioner; return their credentials.

    Only for ROR_ENV=demo: these passwords are published, so anywhere else this refuses.
    """
    if settings.env != "demo":
        raise RuntimeError(f"demo accounts are only created when ROR_ENV=demo (here: {settings.env!r})")
    now = utcnow()
    with store.transaction() as conn:
        admin = find_account(conn, email=DEMO_ADMIN_EMAIL)
        if admin is None:
            admin = create_admin_account(conn, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, "Cellule de gestion (démo)", now)
        _ensure_password(conn, admin["id"], DEMO_ADMIN_PASSWORD)
        owner = conn.execute(
            "SELECT p.rpps FROM practitioners p WHERE EXISTS (SELECT 1 FROM units u WHERE u.owner_rpps = p.rpps) "
            "ORDER BY p.rpps LIMIT 1"
        ).fetchone()
        practitioner = None
        if owner is not None:
            practitioner = find_account(conn, rpps=owner["rpps"])
            if practitioner is None:
                practitioner = create_practitioner_account(conn, owner["rpps"], DEMO_PRACTITIONER_PASSWORD, now)
            _ensure_password(conn, practitioner["id"], DEMO_PRACTITIONER_PASSWORD)
            stamp = iso(now)
            # If the store's first practitioner changed since the last run, the address moves.
            conn.execute("UPDATE accounts SET email = NULL, email_confirmed_at = NULL WHERE email = ? AND id != ?",
                         (DEMO_PRACTITIONER_EMAIL, practitioner["id"]))
            conn.execute(
                """UPDATE accounts SET email = ?, status = 'active',
                     terms_accepted_at = COALESCE(terms_accepted_at, ?),
                     email_confirmed_at = CASE WHEN email = ? THEN COALESCE(email_confirmed_at, ?) ELSE ? END
                   WHERE id = ?""",
                (DEMO_PRACTITIONER_EMAIL, stamp, DEMO_PRACTITIONER_EMAIL, stamp, stamp, practitioner["id"]),
            )
    credentials = {"admin": {"login": DEMO_ADMIN_EMAIL, "password": DEMO_ADMIN_PASSWORD}}
    if practitioner is not None:
        credentials["practitioner"] = {
            "login": practitioner["rpps"],
            "email": DEMO_PRACTITIONER_EMAIL,
            "password": DEMO_PRACTITIONER_PASSWORD,
        }
    return credentials
