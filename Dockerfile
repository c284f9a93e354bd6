# The one image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Build output: compiled catalogues and collected static files (no secret needed for these).
RUN DEBUG=1 python manage.py compile_catalogues \
 && DEBUG=1 python manage.py collectstatic --noinput \
 && useradd --system --home /app crm && chown -R crm /app/.data
USER crm

EXPOSE 8000
CMD ["gunicorn", "crm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "5"]
