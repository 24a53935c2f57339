# Kervan Chat server image: `docker build -t kervan-chat .`, or `docker compose up` (compose.yaml).
# The project is installed from uv.lock (no dev dependencies) into /opt/chat in a build
# stage; the runtime stage carries only that environment and runs as an unprivileged user.

FROM python:3.11-slim AS build
ENV UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/chat \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /src
# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY pyproject.toml uv.lock README.md LICENSE ./
RUN uv sync --frozen --no-dev --extra postgres --no-install-project
COPY chat_server ./chat_server
COPY migrations ./migrations
COPY widget ./widget
COPY agent_console ./agent_console
# Then DB-IP City Lite (CC BY 4.0): geolocation out of the box, 100 MB, checked by SHA-256.
RUN uv sync --frozen --no-dev --extra postgres --no-editable \
    && /opt/chat/bin/python -m chat_server.tracking.geo_data

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/chat --create-home chat
COPY --from=build /opt/chat /opt/chat
ENV PATH=/opt/chat/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CHAT_DATA_DIR=/var/lib/chat
USER 10001:10001
WORKDIR /var/lib/chat
VOLUME ["/var/lib/chat"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["chat-server", "run", "--host", "0.0.0.0", "--port", "8000"]
