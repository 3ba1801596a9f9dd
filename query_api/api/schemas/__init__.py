"""The API's request and response schemas, one module per face of the API.

Request schemas of the domain's forms (a UO sheet, an anomaly, an activation) stay in
catalog/schemas.py; what only the API reads (query strings) and what it answers live here.
"""
