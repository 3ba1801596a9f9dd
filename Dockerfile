# The API service, for `docker compose up` (OpenSearch runs in its own container).
FROM python:3.11-slim
WORKDIR /app
# Dependencies from the hash-locked file first (a layer that changes only with the lock).
COPY requirements/service.lock /app/requirements/service.lock
RUN pip install --no-cache-dir --require-hashes -r requirements/service.lock
COPY . /app
# Editable: the data files (mappings, nomenclatures, templates) are read from /app.
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e .
ENV ROR_HOST=0.0.0.0 ROR_PORT=8000 OPENSEARCH_URL=http://opensearch:9200 ROR_STORE_PATH=/data/ror.sqlite3
VOLUME /data
EXPOSE 8000
CMD ["python", "-m", "ror_cli", "demo", "--external-engine"]
