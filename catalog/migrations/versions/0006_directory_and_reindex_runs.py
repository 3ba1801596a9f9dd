"""The « Répertoire », the EJ sheet and the administrators' console (issue #20).

1. Identifiers and address of a legal entity (EJ), stored by the RPPS import when the
   extract gives them (« Numéro FINESS établissement juridique », « Numéro SIREN
   site », the site's address): the EJ sheet shows them.
2. The directory pages, paged from the store: legal entities by kind and name, a
   commune's establishments by name.
3. Full reindexes: one row per run, its live progress, the one-reindex lock and the
   history; every API process and the ``ror`` command read and write here. The lock
   is a lease: a running row whose lease_until is past belongs to a process that
   died, and the next start marks it failed and takes over.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TEXT, INT = sa.Text(), sa.Integer()


def upgrade() -> None:
    op.add_column("legal_entities", sa.Column("finess", TEXT))
    op.add_column("legal_entities", sa.Column("siren", TEXT))
    op.add_column("legal_entities", sa.Column("address", TEXT, nullable=False, server_default=sa.text("''")))
    op.add_column("legal_entities", sa.Column("postal_code", TEXT, nullable=False, server_default=sa.text("''")))
    op.add_column("legal_entities", sa.Column("insee", TEXT))
    op.create_index("legal_entities_kind_name", "legal_entities", ["kind", "name", "id"])
    op.create_index("establishments_commune", "establishments", ["insee", "name", "id"])
    op.create_table(
        "reindex_runs",
        sa.Column("id", ID, primary_key=True),
        sa.Column("actor", TEXT, nullable=False),          # 'account:<id>' | 'cli' (as in audit_log)
        sa.Column("status", TEXT, nullable=False),         # 'running' | 'succeeded' | 'failed'
        sa.Column("phase", TEXT, nullable=False, server_default=sa.text("'starting'")),
        sa.Column("total", INT, nullable=False, server_default=sa.text("0")),     # UO to write
        sa.Column("written", INT, nullable=False, server_default=sa.text("0")),   # UO written so far
        sa.Column("index_name", TEXT),
        sa.Column("error", TEXT),                          # why it failed, in words
        sa.Column("started_at", TEXT, nullable=False),
        sa.Column("loading_at", TEXT),                     # when documents started flowing
        sa.Column("updated_at", TEXT, nullable=False),
        sa.Column("lease_until", TEXT, nullable=False),    # renewed while it runs
        sa.Column("finished_at", TEXT),
    )
    op.create_index("reindex_runs_status", "reindex_runs", ["status"])
