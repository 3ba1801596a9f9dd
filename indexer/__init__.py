"""Catalog records → OpenSearch documents: mappings, full reindex, incremental sync."""
