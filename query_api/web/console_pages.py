"""The cell's index console (/cellule/index): index vs store, alerts, « Reconstruire l'index ».

The page shows what GET /api/v1/admin/index-status answers (the same function) and its
script polls that operation while a reindex runs, so the progress bar survives a reload:
the progress lives in the store. Without JavaScript the button is a plain form posted to
/cellule/index/reconstruire (CSRF field), answered by the page again.
"""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, redirect, render_template, url_for

from catalog import reindex_runs
from catalog.schedule import PARIS
from indexer import reindex_job
from query_api import context, security
from query_api.api.admin import _actor, _run_in_background, busy_message, console_status
from query_api.web.account_pages import page_account, register_error_pages

blueprint = Blueprint("console", __name__)
blueprint.after_request(security.no_store)


def _moment(stamp: str | None) -> str:
    return datetime.fromisoformat(stamp).astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S") if stamp else "—"


def _render(refused: str | None = None, status: int = 200):
    state = console_status()
    return render_template("admin/index_console.html", state=state, refused=refused, moment=_moment), status


@blueprint.get("/cellule/index")
@page_account(admin=True)
def console():
    return _render()


@blueprint.post("/cellule/index/reconstruire")
@page_account(admin=True)
def rebuild():
    store, actor = context.store(), _actor()
    try:
        run_id = reindex_job.begin(store, context.settings(), actor)
    except reindex_runs.ReindexBusy as busy:
        return _render(refused=busy_message(busy.run), status=409)
    _run_in_background(store, context.search(), context.settings(), run_id, actor)
    return redirect(url_for("console.console"))


register_error_pages(blueprint, "the index console")
