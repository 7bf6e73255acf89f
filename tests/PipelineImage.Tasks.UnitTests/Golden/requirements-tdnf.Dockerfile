USER root
RUN set -eu; \
    tdnf install -y \
        'ffmpeg' \
        'python3' \
        'tzdata-2024a-1.azl3'; \
    tdnf clean all
RUN set -eu; \
    python3 -m venv /opt/venv; \
    /opt/venv/bin/pip install --no-cache-dir \
        'numpy'
ENV VIRTUAL_ENV="/opt/venv" PATH="/opt/venv/bin:$PATH"
