"""Bodies and responses of the management cell's operations."""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from catalog import audit
from catalog.fields import describe
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
    mapping_current = Bool()
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

    rpps_list = fields.List(Str(), allow_none=True)


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

    name = Str(required=True, validate=validate.Length(min=1, max=100))


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
    key = Str(required=True)
    prefix = Str(required=True)
    message = Str(required=True)


class KeyRevoked(Schema):
    revoked = Bool(required=True)
    id = Int(required=True)


class AuditActor(Schema):
    kind = Str(required=True)
    id = Int(allow_none=True)
    name = Str(required=True)
    email = Str(allow_none=True)


class AuditEntry(Schema):
    id = Int(required=True)
    at = Str(required=True)
    actor = fields.Nested(AuditActor, required=True)
    target_type = Str(required=True)
    target_label = Str(required=True)
    target_id = Str(required=True)
    action = Str(required=True)
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


# --- what each field means (French, then English), for /api/docs -------------------------

WHEN = "(ISO 8601, UTC)"
describe(ReindexState, {
    "running": ("Une réindexation tourne en ce moment.", "A reindex is running now.", False),
    "id": ("Numéro de la réindexation.", "Reindex number.", 4),
    "status": ("none (jamais lancée), running, succeeded ou failed.", "none (never run), running, succeeded or failed.",
               "succeeded"),
    "phase": ("Étape : starting, loading (écriture des UO), finishing, done.",
              "Step: starting, loading (units written), finishing, done.", "loading"),
    "actor": ("Qui l'a lancée : « account:<n° de compte> » ou « cli » (commande ror).",
              "Who started it: « account:<account id> » or « cli » (the ror command).", "account:1"),
    "actor_name": ("Qui l'a lancée, en clair.", "Who started it, in words.", "Cellule ROR"),
    "total": ("UO à écrire.", "Units to write.", 1000000),
    "written": ("UO écrites jusqu'ici.", "Units written so far.", 250000),
    "percent": ("Avancement, en pour cent (une décimale).", "Progress, in percent (one decimal).", 25.0),
    "rate": ("UO écrites par seconde (null avant l'écriture).", "Units written per second (null before loading).",
             2400.0),
    "seconds_left": ("Temps restant estimé, en secondes (null hors écriture).",
                     "Estimated time left, in seconds (null when not loading).", 310.0),
    "started_at": (f"Début {WHEN}.", f"Started {WHEN}.", "2026-11-30T02:00:00Z"),
    "loading_at": (f"Début de l'écriture des UO {WHEN}, null avant.", f"Loading started {WHEN}, null before.",
                   "2026-11-30T02:00:05Z"),
    "updated_at": (f"Dernière nouvelle de la réindexation {WHEN}.", f"Last news of the reindex {WHEN}.",
                   "2026-11-30T02:01:00Z"),
    "finished_at": (f"Fin {WHEN}, null tant qu'elle tourne.", f"Finished {WHEN}, null while running.",
                    "2026-11-30T02:07:00Z"),
    "index": ("Nom de l'index construit.", "Name of the index built.", "ror-units-20261130t020000"),
    "documents": ("Documents écrits (réindexation réussie).", "Documents written (a successful reindex).", 1000000),
    "seconds": ("Durée jusqu'ici ou totale, en secondes.", "Duration so far or in all, in seconds.", 412.5),
    "error": ("Pourquoi elle a échoué, en français (échec seulement).", "Why it failed, in French (failures only).",
              "Le moteur de recherche ne répond pas."),
})
describe(ReindexStarted, {
    "reindex": ("La réindexation lancée.", "The reindex started.", None),
    "message": ("Ce qui se passe, en français, à montrer.", "What happens, in French, to show.", None),
})
describe(StoreCount, {"units": ("UO dans la base.", "Units in the store.", 1000000)})
describe(IndexState, {
    "alias": ("Alias que la recherche interroge.", "Alias the search reads.", "ror-units"),
    "mapping_version": ("Version du mapping de l'index.", "Mapping version of the index.", 7),
    "health": ("Santé du moteur : green, yellow ou red.", "Engine health: green, yellow or red.", "green"),
    "indexes": ("Index derrière l'alias.", "Indexes behind the alias.", ["ror-units-20261130t020000"]),
    "documents": ("Documents dans l'index.", "Documents in the index.", 1000000),
    "mapping_current": ("L'index a été construit avec le mapping actuel (sinon : réindexation complète nécessaire).",
                        "The index was built with the current mapping (else a full reindex is needed).", True),
    "reachable": ("Le moteur répond.", "The engine answers.", True),
    "error": ("Pourquoi le moteur ne répond pas.", "Why the engine does not answer.", "Connection refused"),
})
describe(OutboxState, {
    "depth": ("Modifications en attente d'indexation.", "Changes waiting to be indexed.", 0),
    "oldest": (f"La plus ancienne en attente {WHEN}, null s'il n'y en a pas.",
               f"The oldest waiting {WHEN}, null if none.", None),
})
describe(IndexStatus, {
    "store": ("Ce que contient la base.", "What the store holds.", None),
    "index": ("L'état de l'index de recherche.", "The search index's state.", None),
    "outbox": ("Les modifications pas encore indexées.", "Changes not indexed yet.", None),
    "in_sync": ("L'index a autant d'UO que la base et l'outbox est vide.",
                "The index has as many units as the store and the outbox is empty.", True),
    "reindex": ("La dernière réindexation (ou celle en cours).", "The last reindex (or the running one).", None),
    "history": ("Les dernières réindexations, la plus récente d'abord.", "The last reindexes, newest first.", None),
    "warnings": ("Ce qu'un administrateur doit savoir (outbox en retard, index à reconstruire, moteur jaune ou rouge).",
                 "What an operator must know (late outbox, index to rebuild, engine yellow or red).", None),
})
describe(ActivationCodesRequest, {
    "rpps_list": ("Ces praticiens seulement (courrier perdu) ; absent : tous ceux qui n'ont ni compte ni code valide.",
                  "These practitioners only (a lost letter); absent: all without an account or a valid code.",
                  ["10000000017"]),
})
describe(IssuedCode, {
    "rpps": ("Numéro RPPS du praticien.", "The practitioner's RPPS number.", "10000000017"),
    "code": ("Le code d'activation, à imprimer sur le courrier.", "The activation code, to print on the letter.",
             "ABCD-EFGH-1234"),
    "expires_at": (f"Fin de validité du code {WHEN}.", f"The code is valid until {WHEN}.", "2027-02-28T09:00:00Z"),
    "name": ("Nom du praticien, pour le courrier.", "The practitioner's name, for the letter.", "Claire Martin"),
    "address": ("Adresse postale (null si inconnue).", "Postal address (null if unknown).", "12 rue des Chantiers"),
    "postal_code": ("Code postal (null si inconnu).", "Postal code (null if unknown).", "78000"),
    "commune": ("Commune.", "Commune.", "Versailles"),
})
describe(IssuedCodes, {
    "codes": ("Les codes émis, un par praticien.", "The codes issued, one per practitioner.", None),
    "count": ("Nombre de codes émis.", "Number of codes issued.", 1),
    "message": ("Ce qui s'est passé, en français, à montrer.", "What happened, in French, to show.", None),
})
describe(ApiKeyRequest, {"name": ("L'application qui utilisera la clé (1 à 100 caractères).",
                                  "The application that will use the key (1 to 100 characters).", "Annuaire CPTS")})
describe(ApiKey, {
    "id": ("Numéro de la clé.", "Key number.", 2),
    "name": ("L'application qui l'utilise.", "The application using it.", "Annuaire CPTS"),
    "prefix": ("Début de la clé, pour la reconnaître (la clé entière n'est jamais redonnée).",
               "Start of the key, to recognise it (the whole key is never given again).", "ror_1a2b3c4d"),
    "created_at": (f"Création {WHEN}.", f"Created {WHEN}.", "2026-11-30T09:00:00Z"),
    "revoked_at": (f"Révocation {WHEN}, null si elle est valable.", f"Revoked {WHEN}, null while valid.", None),
    "last_used_at": (f"Dernière utilisation {WHEN}, null si jamais.", f"Last used {WHEN}, null if never.", None),
})
describe(ApiKeys, {"api_keys": ("Toutes les clés, révoquées comprises.", "Every key, revoked ones too.", None)})
describe(NewApiKey, {
    "name": ("L'application qui l'utilisera.", "The application that will use it.", "Annuaire CPTS"),
    "key": ("La clé, affichée une seule fois : à envoyer dans « Authorization: Bearer <clé> ».",
            "The key, shown once only: send it in « Authorization: Bearer <key> ».", "ror_1a2b3c4d_…"),
    "prefix": ("Début de la clé, pour la reconnaître ensuite.", "Start of the key, to recognise it later.",
               "ror_1a2b3c4d"),
    "message": ("Ce qu'il faut en faire, en français.", "What to do with it, in French.", None),
})
describe(KeyRevoked, {"revoked": ("La clé est révoquée.", "The key is revoked.", True),
                      "id": ("Numéro de la clé.", "Key number.", 2)})
describe(AuditActor, {
    "kind": ("« account » : un membre de la cellule ; « cli » : une commande ror lancée sur le serveur.",
             "« account »: a member of the cell; « cli »: a ror command run on the server.", "account"),
    "id": ("Le compte, pour « account » (null sinon).", "The account, for « account » (else null).", 1),
    "name": ("Qui, en clair.", "Who, in words.", "Cellule ROR"),
    "email": ("Son adresse e-mail (null pour « cli »).", "Their e-mail address (null for « cli »).",
              "cellule@ror.test"),
})
describe(AuditEntry, {
    "id": ("Numéro de la ligne du journal.", "Journal line number.", 31),
    "at": (f"Date et heure {WHEN}.", f"Date and time {WHEN}.", "2026-11-30T09:00:00Z"),
    "actor": ("Qui a agi.", "Who acted.", None),
    "target_type": ("Sur quoi : index, api_key, activation_code ou anomaly.",
                    "On what: index, api_key, activation_code or anomaly.", "api_key"),
    "target_label": ("Ce sur quoi, en clair.", "What it is about, in words.", "Clé d'API"),
    "target_id": ("L'alias de l'index, le n° de la clé, le numéro RPPS, le n° de l'anomalie.",
                  "The index alias, the key number, the RPPS number, the anomaly number.", "2"),
    "action": ("reindex ; created, revoked ; issued ; status, note, assignee_id.",
               "reindex; created, revoked; issued; status, note, assignee_id.", "created"),
    "old_value": ("Valeur avant (null s'il n'y en avait pas).", "Value before (null if none).", None),
    "new_value": ("Valeur après (null s'il n'y en a pas).", "Value after (null if none).", "Annuaire CPTS (ror_1a2b…)"),
})
describe(AuditPage, {
    "total": ("Lignes qui correspondent.", "Matching lines.", 31),
    "page": ("Page rendue.", "Page returned.", 1),
    "per_page": ("Lignes par page.", "Rows per page.", 50),
    "results": ("Les lignes de la page, les plus récentes d'abord.", "The page's lines, newest first.", None),
})
