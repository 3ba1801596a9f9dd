"""The write path's own tables: e-mail tokens, API keys, rate-limit counters.

Secrets (tokens, keys) are stored as SHA-256 digests: they are long random strings,
so a fast digest is enough and a stolen store reveals none of them.
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
EPOCH = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TEXT, INT = sa.Text(), sa.Integer()


def upgrade() -> None:
    # Bumped when a password changes: session cookies signed before then stop working.
    op.add_column("accounts", sa.Column("session_version", INT, nullable=False, server_default=sa.text("0")))
    op.create_table(                                   # one-time links sent by e-mail
        "email_tokens",
        sa.Column("id", ID, primary_key=True),
        sa.Column("account_id", ID, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("purpose", TEXT, nullable=False),    # 'confirm_email' | 'reset_password'
        sa.Column("token_hash", TEXT, nullable=False, unique=True),
        sa.Column("email", TEXT, nullable=False),      # the address the link was sent to
        sa.Column("expires_at", TEXT, nullable=False),
        sa.Column("used_at", TEXT),
        sa.Column("created_at", TEXT, nullable=False),
    )
    op.create_index("email_tokens_account", "email_tokens", ["account_id", "purpose"])
    op.create_table(                                   # read-only access for other applications
        "api_keys",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", TEXT, nullable=False),
        sa.Column("prefix", TEXT, nullable=False),     # shown to identify a key; not secret
        sa.Column("key_hash", TEXT, nullable=False, unique=True),
        sa.Column("created_at", TEXT, nullable=False),
        sa.Column("revoked_at", TEXT),
        sa.Column("last_used_at", TEXT),
    )
    op.create_table(                                   # fixed-window counters
        "rate_limits",
        sa.Column("bucket", TEXT, nullable=False),     # e.g. 'login-ip:203.0.113.7', 'api-key:3'
        sa.Column("window_start", EPOCH, nullable=False),   # epoch seconds, a multiple of the window
        sa.Column("expires_at", EPOCH, nullable=False),     # epoch seconds
        sa.Column("hits", INT, nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start"),
    )
    op.create_index("rate_limits_expiry", "rate_limits", ["expires_at"])
