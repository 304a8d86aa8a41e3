# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY vpp ./vpp
COPY sites ./sites
COPY market ./market
COPY dispatch ./dispatch
COPY settlement ./settlement
COPY demo ./demo
RUN pip install --no-cache-dir .
COPY . .
RUN DJANGO_SETTINGS_MODULE=vpp.settings.base SECRET_KEY=build python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "vpp.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
