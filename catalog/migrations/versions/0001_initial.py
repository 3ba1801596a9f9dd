"""The system of record.

Every change the index must see writes an outbox row in the same transaction;
every change of a sheet by a person writes audit rows. Timestamps are ISO 8601 UTC
text (they sort as text on both dialects); JSON lists are text too.
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# 64-bit ids on PostgreSQL; on SQLite exactly INTEGER, so the id is the rowid.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TEXT, INT, REAL = sa.Text(), sa.Integer(), sa.Float()


def _text(value: str):
    return sa.text(f"'{value}'")


def upgrade() -> None:
    op.create_table(                                   # EJ
        "legal_entities",
        sa.Column("id", TEXT, primary_key=True),
        sa.Column("name", TEXT, nullable=False),
        sa.Column("kind", TEXT, nullable=False),       # 'practitioner' | 'organisation'
        sa.Column("revision", INT, nullable=False, server_default=sa.text("1")),
        sa.Column("updated_at", TEXT, nullable=False),
    )
    op.create_table(                                   # EG: one place
        "establishments",
        sa.Column("id", TEXT, primary_key=True),
        sa.Column("ej_id", TEXT, sa.ForeignKey("legal_entities.id"), nullable=False),
        sa.Column("name", TEXT, nullable=False),
        sa.Column("category", TEXT, nullable=False),   # nomenclatures/categories.json
        sa.Column("sector", TEXT),                     # e.g. SA07 cabinet individuel
        sa.Column("address", TEXT, nullable=False, server_default=_text("")),
        sa.Column("postal_code", TEXT, nullable=False, server_default=_text("")),
        sa.Column("insee", TEXT, nullable=False),
        sa.Column("lat", REAL, nullable=False),
        sa.Column("lon", REAL, nullable=False),
        sa.Column("phone", TEXT),
        sa.Column("source", TEXT, nullable=False),     # 'rpps' (read-only for practitioners) | 'catalog'
        sa.Column("revision", INT, nullable=False, server_default=sa.text("1")),
        sa.Column("updated_at", TEXT, nullable=False),
    )
    op.create_index("establishments_ej", "establishments", ["ej_id"])
    op.create_table(                                   # from the RPPS, read-only for them
        "practitioners",
        sa.Column("rpps", TEXT, primary_key=True),
        sa.Column("civility", TEXT, nullable=False, server_default=_text("")),
        sa.Column("last_name", TEXT, nullable=False),
        sa.Column("first_name", TEXT, nullable=False, server_default=_text("")),
        sa.Column("profession", TEXT, nullable=False),
        sa.Column("updated_at", TEXT, nullable=False),
    )
    op.create_table(                                   # UO: what is searched
        "units",
        sa.Column("id", TEXT, primary_key=True),
        sa.Column("eg_id", TEXT, sa.ForeignKey("establishments.id"), nullable=False),
        sa.Column("uo_type", TEXT, nullable=False),
        sa.Column("name", TEXT, nullable=False),
        sa.Column("profession", TEXT),
        sa.Column("owner_rpps", TEXT, sa.ForeignKey("practitioners.rpps")),
        sa.Column("phone", TEXT),
        sa.Column("mobile", TEXT),
        sa.Column("aptitudes", TEXT, nullable=False, server_default=_text("[]")),            # JSON list of codes
        sa.Column("age_min", INT),
        sa.Column("age_max", INT),
        sa.Column("home_visit", INT, nullable=False, server_default=sa.text("0")),
        sa.Column("home_visit_communes", TEXT, nullable=False, server_default=_text("[]")),  # JSON list of INSEE codes
        sa.Column("week", TEXT, nullable=False, server_default=_text("{}")),                 # JSON {"1": [[540, 720]], ...}
        sa.Column("open_on_holidays", INT, nullable=False, server_default=sa.text("0")),
        sa.Column("comments", TEXT, nullable=False, server_default=_text("")),
        sa.Column("revision", INT, nullable=False, server_default=sa.text("1")),
        sa.Column("updated_at", TEXT, nullable=False),
    )
    op.create_index("units_eg", "units", ["eg_id"])
    op.create_index("units_owner", "units", ["owner_rpps"])
    op.create_table(
        "resource_persons",
        sa.Column("id", ID, primary_key=True),
        sa.Column("unit_id", TEXT, sa.ForeignKey("units.id"), nullable=False),
        sa.Column("source", TEXT, nullable=False),     # 'rpps' (read-only) | 'added'
        sa.Column("rpps", TEXT),
        sa.Column("name", TEXT, nullable=False),
        sa.Column("role", TEXT, nullable=False, server_default=_text("")),
        sa.Column("phone", TEXT),
        sa.Column("email", TEXT),
    )
    op.create_index("resource_persons_unit", "resource_persons", ["unit_id"])
    op.create_table(
        "accounts",
        sa.Column("id", ID, primary_key=True),
        sa.Column("rpps", TEXT, sa.ForeignKey("practitioners.rpps"), unique=True),
        sa.Column("email", TEXT, unique=True),
        sa.Column("password_hash", TEXT),
        sa.Column("role", TEXT, nullable=False),       # 'practitioner' | 'admin'
        sa.Column("display_name", TEXT, nullable=False, server_default=_text("")),
        sa.Column("status", TEXT, nullable=False),     # 'active' | 'disabled'
        sa.Column("terms_accepted_at", TEXT),
        sa.Column("email_confirmed_at", TEXT),
        sa.Column("failed_logins", INT, nullable=False, server_default=sa.text("0")),
        sa.Column("locked_until", TEXT),
        sa.Column("created_at", TEXT, nullable=False),
    )
    op.create_table(
        "activation_codes",
        sa.Column("id", ID, primary_key=True),
        sa.Column("rpps", TEXT, sa.ForeignKey("practitioners.rpps"), nullable=False),
        sa.Column("code_hash", TEXT, nullable=False),
        sa.Column("expires_at", TEXT, nullable=False),
        sa.Column("used_at", TEXT),
        sa.Column("created_at", TEXT, nullable=False),
    )
    op.create_index("activation_codes_rpps", "activation_codes", ["rpps"])
    op.create_table(
        "anomalies",
        sa.Column("id", ID, primary_key=True),
        sa.Column("target_type", TEXT, nullable=False),   # 'EJ' | 'EG' | 'UO'
        sa.Column("target_id", TEXT, nullable=False),
        sa.Column("field", TEXT),
        sa.Column("theme", TEXT),
        sa.Column("message", TEXT, nullable=False),
        sa.Column("status", TEXT, nullable=False),        # 'new' | 'in_progress' | 'resolved' | 'rejected'
        sa.Column("reporter_id", ID, sa.ForeignKey("accounts.id")),
        sa.Column("assignee_id", ID, sa.ForeignKey("accounts.id")),
        sa.Column("note", TEXT, nullable=False, server_default=_text("")),
        sa.Column("created_at", TEXT, nullable=False),
        sa.Column("updated_at", TEXT, nullable=False),
    )
    op.create_index("anomalies_status", "anomalies", ["status"])
    op.create_index("anomalies_target", "anomalies", ["target_type", "target_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", ID, primary_key=True),
        sa.Column("at", TEXT, nullable=False),
        sa.Column("actor", TEXT, nullable=False),          # 'account:<id>', 'rpps-import', 'demo', ...
        sa.Column("target_type", TEXT, nullable=False),
        sa.Column("target_id", TEXT, nullable=False),
        sa.Column("field", TEXT, nullable=False),
        sa.Column("old_value", TEXT),
        sa.Column("new_value", TEXT),
    )
    op.create_index("audit_log_target", "audit_log", ["target_type", "target_id"])
    op.create_table(                                   # index operations not yet applied
        "outbox",
        sa.Column("id", ID, primary_key=True),
        sa.Column("unit_id", TEXT, nullable=False),
        sa.Column("revision", INT, nullable=False),
        sa.Column("created_at", TEXT, nullable=False),
        sa.Column("attempts", INT, nullable=False, server_default=sa.text("0")),
        sa.Column("next_attempt_at", TEXT, nullable=False),
        sa.Column("last_error", TEXT),
        # Ids never reused: a full reindex drops the entries up to the last id it saw.
        sqlite_autoincrement=True,
    )
    op.create_index("outbox_next", "outbox", ["next_attempt_at"])
