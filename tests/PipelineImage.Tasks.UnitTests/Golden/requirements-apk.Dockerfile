USER root
RUN set -eu; \
    apk add --no-cache \
        'ffmpeg' \
        'py3-pip' \
        'python3' \
        'tzdata=2024a-r0'
RUN set -eu; \
    python3 -m venv /opt/venv; \
    /opt/venv/bin/pip install --no-cache-dir \
        'requests==2.31.0'
ENV VIRTUAL_ENV="/opt/venv" PATH="/opt/venv/bin:$PATH"
