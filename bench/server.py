"""The API as production runs it (``ror serve``: waitress, 8 threads), for the benchmark.

Settings come from the environment like every other entry point; the harness sets
OPENSEARCH_URL, ROR_INDEX_PREFIX, ROR_STORE_PATH and ROR_PORT. The outbox worker of
``ror serve`` is left out: after a full reindex it has nothing to do, and the
figures are those of the request path alone.
"""
from __future__ import annotations

import waitress

from config import Settings
from query_api import create_app

THREADS = 8   # as ror_cli._serve


def main() -> None:
    settings = Settings.from_env()
    app = create_app(settings)
    waitress.serve(app, host="127.0.0.1", port=settings.port, threads=THREADS, ident="ror-bench")


if __name__ == "__main__":
    main()
