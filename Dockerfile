# One image for every Syndikat process; docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 SYNDIKAT_VAR_DIR=/var/lib/syndikat
WORKDIR /app

COPY pyproject.toml README.md requirements.lock ./
COPY shared ./shared
COPY services ./services
COPY samples ./samples
RUN pip install . --constraint requirements.lock && useradd --system --home /var/lib/syndikat syndikat \
    && mkdir -p /var/lib/syndikat/inbox && chown -R syndikat /var/lib/syndikat

USER syndikat
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "--no-control-socket", "services.ingest.app:create_app()"]
