"""The FHIR R4 face (/fhir) per the national ROR implementation guide (ans.fhir.fr.ror).

``params`` reads FHIR search parameters into the one SearchRequest of query_api.search,
``resources`` shapes catalog and index data into the guide's profiles, ``bundles`` makes
searchset Bundles and paging links, ``outcome`` the OperationOutcome errors,
``capability`` the CapabilityStatement, ``views`` the routes.
"""
