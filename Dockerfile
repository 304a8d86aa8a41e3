# One image for web, worker and beat (docker-compose.yml picks the command). Production settings
# by default: the container refuses to start without SECRET_KEY, DATABASE_URL and ALLOWED_HOSTS.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=vpp.settings.production
WORKDIR /app
COPY pyproject.toml ./
COPY vpp ./vpp
COPY sites ./sites
COPY market ./market
COPY dispatch ./dispatch
COPY settlement ./settlement
COPY demo ./demo
COPY console ./console
RUN pip install --no-cache-dir .
# .dockerignore keeps .env, var/, .git and the virtualenv out of the image.
COPY . .
# The build's throwaway values only let collectstatic load the settings (manifest storage, as
# production serves); nothing of them is kept in the image's environment.
RUN SECRET_KEY=collectstatic-build-only ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.db \
    python manage.py collectstatic --noinput && rm -f /tmp/build.db
RUN useradd --create-home --uid 10001 vpp && chown -R vpp /app
USER vpp
EXPOSE 8000
CMD ["gunicorn", "vpp.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
