"""The management cell's actions join the one audit trail (catalog/audit.py).

target_type 'index', 'api_key', 'activation_code' and 'anomaly' rows, listed newest
first for the cell, one kind at a time or all. This index serves that listing
without reading the sheets' rows, which are far more numerous.
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("audit_log_kind", "audit_log", ["target_type", "id"])
