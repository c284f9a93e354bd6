# The one image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    STATIC_ROOT=/app/staticfiles
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Build output: compiled catalogues and the collected static files, collected with the
# production settings (DEBUG=0) so that the manifest of hashed names that production reads
# is written. The secret exists for this command only; the image holds none.
RUN DEBUG=0 SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    sh -c 'python manage.py compile_catalogues && python manage.py collectstatic --noinput' \
 && useradd --system --home /app crm && mkdir -p /app/.data && chown -R crm /app/.data
USER crm

EXPOSE 8000
CMD ["gunicorn", "crm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "5"]
