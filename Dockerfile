# One image for every Syndikat process; docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 SYNDIKAT_VAR_DIR=/var/lib/syndikat
WORKDIR /app

# The service user, and the directories it writes. A named volume mounted on an empty volume
# starts as a copy of the image's directory, ownership included: /models must belong to
# `syndikat` here, or `syndikat models install` in the container fails with a PermissionError.
RUN useradd --system --home /var/lib/syndikat syndikat \
    && mkdir -p /var/lib/syndikat/inbox /var/lib/syndikat/media /models \
    && chown -R syndikat:syndikat /var/lib/syndikat /models

# Dependency layer: the runtime dependencies at the lock's exact versions, before any code, so
# a code change rebuilds only the layers below (the lock also pins the dev tools; not installed).
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/runtime-requirements.txt \
    && pip install --constraint requirements.lock -r /tmp/runtime-requirements.txt

# The code: installed without resolving anything again.
COPY README.md ./
COPY shared ./shared
COPY services ./services
COPY samples ./samples
RUN pip install --no-deps --constraint requirements.lock .

USER syndikat
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "--no-control-socket", "services.api:create_app()"]
