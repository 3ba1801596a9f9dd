"""A UO's life dates (issues #14 and #17).

1. ``created_at``: when the UO entered the store. The national guide's profiles require
   ``ror-meta-creation-date``; existing UOs take their last update as the best date known.
2. ``ended_at``: when the UO stopped (its practitioner left the site in a complete RPPS
   extract). NULL while the UO is active; an ended UO stays in the store and leaves
   search and FHIR; the date is cleared if the activity comes back.
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TEXT = sa.Text()


def upgrade() -> None:
    op.add_column("units", sa.Column("created_at", TEXT))
    op.add_column("units", sa.Column("ended_at", TEXT))
    op.execute("UPDATE units SET created_at = updated_at WHERE created_at IS NULL")
