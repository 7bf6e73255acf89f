USER root
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        'ca-certificates=20230311' \
        'curl' \
        'ffmpeg' \
        'python3' \
        'python3-venv' \
        'tzdata=2024a-0+deb12u1'; \
    rm -rf /var/lib/apt/lists/*
COPY [".pipelineimage/requirements/", "/opt/pipelineimage/requirements/"]
RUN set -eu; \
    python3 -m venv /opt/venv; \
    /opt/venv/bin/pip install --no-cache-dir \
        --index-url 'https://pypi.example.com/simple' \
        --extra-index-url 'http://mirror.example.com:8080/simple/' \
        --extra-index-url 'https://other.example.com/simple?token-free=1&x=2' \
        --find-links 'file:///wheels' \
        --trusted-host 'mirror.example.com:8080' \
        'numpy==1.26.4' \
        'pandas>=2.0' \
        -r '/opt/pipelineimage/requirements/1-requirements.txt'
ENV VIRTUAL_ENV="/opt/venv" PATH="/opt/venv/bin:$PATH"
