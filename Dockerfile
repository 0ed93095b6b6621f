# One image for every service; the command picks the service and its role (api or worker).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY pyproject.toml ./
COPY shared ./shared
COPY services ./services
COPY suite ./suite
COPY asysta ./asysta
RUN pip install --no-cache-dir --no-deps . \
    && useradd --create-home --uid 10001 asysta
USER asysta

ENV ASYSTA_ENV=production ASYSTA_LOG_JSON=true
CMD ["python", "-m", "services.referrals", "api"]
