"""Bodies and responses of the management cell's operations."""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from catalog import audit
from query_api.api.schemas.common import Bool, Float, Int, NStr, Str, doc
from query_api.api.schemas.paging import PagedListSchema
from query_api.api.schemas.search import Warning


class ReindexState(Schema):
    running = Bool(required=True)
    id = Int()
    status = Str(metadata={"enum": ["none", "running", "succeeded", "failed"]})
    phase = Str(metadata={"enum": ["starting", "loading", "finishing", "done"]})
    actor = Str()
    actor_name = Str()
    total = Int(metadata=doc("UO à écrire.", "Units to write.", 1000000))
    written = Int(metadata=doc("UO écrites jusqu'ici.", "Units written so far.", 250000))
    percent = Float()
    rate = Float(allow_none=True, metadata=doc("UO écrites par seconde.", "Units written per second.", 2400.0))
    seconds_left = Float(allow_none=True, metadata=doc("Temps restant estimé, en secondes.",
                                                       "Estimated time left, in seconds.", 310.0))
    started_at = Str()
    loading_at = NStr()
    updated_at = Str()
    finished_at = NStr()
    index = NStr()
    documents = Int()
    seconds = Float()
    error = NStr()


class ReindexHistoryEntry(Schema):
    """A finished reindex as the audit trail records it."""
    status = Str(required=True, metadata=doc("Résultat : terminée (succeeded) ou en échec (failed).",
                                             "Outcome: finished (succeeded) or failed.", "succeeded",
                                             enum=["succeeded", "failed"]))
    actor = Str(required=True, metadata=doc("Qui l'a lancée : account:<id> ou cli (commande ror).",
                                            "Who started it: account:<id> or cli (the ror command).", "account:1"))
    actor_name = Str(required=True, metadata=doc("Son nom lisible.", "Their readable name.", "Cellule régionale"))
    started_at = Str(required=True, metadata=doc("Demandée le (ISO 8601, UTC).", "Requested at (ISO 8601, UTC).",
                                                 "2026-11-30T08:00:00+00:00"))
    finished_at = Str(required=True, metadata=doc("Finie le (ISO 8601, UTC).", "Finished at (ISO 8601, UTC).",
                                                  "2026-11-30T08:02:13+00:00"))
    seconds = Float(required=True, metadata=doc("Durée, en secondes.", "Duration, in seconds.", 133.0))
    documents = Int(metadata=doc("UO écrites dans le nouvel index (réussite seulement).",
                                 "Units written to the new index (success only).", 1000000))
    index = Str(metadata=doc("L'index construit (réussite seulement).", "The index built (success only).",
                             "ror-units-v3-20261130080000"))
    error = Str(metadata=doc("Pourquoi elle a échoué, en mots (échec seulement).", "Why it failed, in words (failure only).",
                             "le moteur de recherche est injoignable"))


class ReindexStarted(Schema):
    reindex = fields.Nested(ReindexState, required=True)
    message = Str(required=True)


class StoreCount(Schema):
    units = Int(required=True)


class IndexState(Schema):
    alias = Str(required=True)
    mapping_version = Int()
    health = Str(metadata={"enum": ["green", "yellow", "red"]})
    indexes = fields.List(Str())
    documents = Int()
    mapping_current = Bool(metadata={"description": "L'index a été construit avec le mapping actuel (sinon : réindexation complète nécessaire)."})
    reachable = Bool(required=True)
    error = Str()


class OutboxState(Schema):
    depth = Int(required=True)
    oldest = NStr(required=True)


class IndexStatus(Schema):
    store = fields.Nested(StoreCount, required=True)
    index = fields.Nested(IndexState, required=True)
    outbox = fields.Nested(OutboxState, required=True)
    in_sync = Bool(required=True)
    reindex = fields.Nested(ReindexState, required=True)
    history = fields.List(fields.Nested(ReindexHistoryEntry), metadata=doc(
        "Les dernières réindexations finies, la plus récente d'abord, lues dans le journal d'audit.",
        "The last finished reindexes, newest first, read from the audit trail.", None))
    warnings = fields.List(fields.Nested(Warning))


class ActivationCodesRequest(Schema):
    class Meta:
        unknown = INCLUDE  # the view reads its fields and ignores any other

    rpps_list = fields.List(Str(), allow_none=True, metadata={
        "description": "Ces praticiens seulement (courrier perdu) ; absent : tous ceux qui n'ont ni compte ni code valide."})


class IssuedCode(Schema):
    rpps = Str(required=True)
    code = Str(required=True)
    expires_at = Str(required=True)
    name = Str(required=True)
    address = NStr(required=True)
    postal_code = NStr(required=True)
    commune = Str(required=True)


class IssuedCodes(Schema):
    codes = fields.List(fields.Nested(IssuedCode), required=True)
    count = Int(required=True)
    message = Str(required=True)


class ApiKeyRequest(Schema):
    class Meta:
        unknown = INCLUDE  # the view reads its fields and ignores any other

    name = Str(required=True, validate=validate.Length(min=1, max=100),
               metadata={"description": "L'application qui utilisera la clé."})


class ApiKey(Schema):
    id = Int(required=True)
    name = Str(required=True)
    prefix = Str(required=True)
    created_at = Str(required=True)
    revoked_at = NStr(required=True)
    last_used_at = NStr(required=True)


class ApiKeys(Schema):
    api_keys = fields.List(fields.Nested(ApiKey), required=True)


class NewApiKey(Schema):
    name = Str(required=True)
    key = Str(required=True, metadata={"description": "Affichée une seule fois."})
    prefix = Str(required=True)
    message = Str(required=True)


class KeyRevoked(Schema):
    revoked = Bool(required=True)
    id = Int(required=True)


class AuditActor(Schema):
    kind = Str(required=True, metadata={"description": "« account » : un membre de la cellule ; "
                                                       "« cli » : une commande ror lancée sur le serveur."})
    id = Int(allow_none=True, metadata={"description": "Le compte, pour « account »."})
    name = Str(required=True)
    email = Str(allow_none=True)


class AuditEntry(Schema):
    id = Int(required=True)
    at = Str(required=True, metadata={"description": "Date et heure (ISO 8601, UTC)."})
    actor = fields.Nested(AuditActor, required=True)
    target_type = Str(required=True, metadata={"description": "index, api_key, activation_code ou anomaly."})
    target_label = Str(required=True)
    target_id = Str(required=True, metadata={"description": "L'alias de l'index, le n° de la clé, le numéro RPPS, "
                                                            "le n° de l'anomalie."})
    action = Str(required=True, metadata={"description": "reindex ; created, revoked ; issued ; status, note, assignee_id."})
    old_value = Str(allow_none=True)
    new_value = Str(allow_none=True)


class AuditPage(Schema):
    total = Int(required=True)
    page = Int(required=True)
    per_page = Int(required=True)
    results = fields.List(fields.Nested(AuditEntry), required=True)


class AuditFiltersSchema(PagedListSchema):
    """Query parameters of the cell's journal."""

    target_type = fields.String(validate=validate.OneOf(tuple(audit.ADMIN_TARGETS), error=(
        "Type d'action inconnu : « {input} » (valeurs possibles : " + ", ".join(audit.ADMIN_TARGETS) + ").")),
        metadata=doc("Ce sur quoi porte l'action : " + ", ".join(audit.ADMIN_TARGETS) + ".",
                     "What the action is about.", "index"))
