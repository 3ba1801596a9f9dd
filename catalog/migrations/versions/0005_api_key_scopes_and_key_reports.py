"""API keys get scopes; an anomaly report may be filed by a key instead of an account.

Scopes are space-separated in the key's row ('' = read only; 'report' files anomaly
reports as FHIR Task, 'metrics' opens /metrics; the list is catalog/api_key_scopes.py).
A report filed by a key has no reporting account: it names the key, and the key lists
its own reports.
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("scopes", sa.Text(), nullable=False, server_default=sa.text("''")))
    with op.batch_alter_table("anomalies") as batch:
        batch.add_column(sa.Column("reporter_api_key_id", ID,
                                     sa.ForeignKey("api_keys.id", name="anomalies_reporter_api_key_fk")))
    op.create_index("anomalies_reporter_api_key", "anomalies", ["reporter_api_key_id"])
