# The API service, for `docker compose up` (OpenSearch runs in its own container).
# Front-end packages first, from the lock file (npm ci), in a Node.js stage of their own.
FROM node:20-bookworm-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json /app/
RUN npm ci --omit=dev --no-audit --no-fund && mkdir -p node_modules

FROM python:3.11-slim
WORKDIR /app
# Dependencies from the hash-locked file first (a layer that changes only with the lock).
COPY requirements/service.lock /app/requirements/service.lock
RUN pip install --no-cache-dir --require-hashes -r requirements/service.lock
COPY . /app
COPY --from=frontend /app/node_modules /app/node_modules
# Editable: the data files (mappings, nomenclatures, templates) are read from /app.
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e .
ENV ROR_HOST=0.0.0.0 ROR_PORT=8000 OPENSEARCH_URL=http://opensearch:9200 ROR_STORE_PATH=/data/ror.sqlite3
VOLUME /data
EXPOSE 8000
CMD ["python", "-m", "ror_cli", "demo", "--external-engine"]
