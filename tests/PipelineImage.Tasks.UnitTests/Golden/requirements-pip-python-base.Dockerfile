USER root
COPY [".pipelineimage/requirements/", "/opt/pipelineimage/requirements/"]
RUN set -eu; \
    python3 -m venv /opt/venv; \
    /opt/venv/bin/pip install --no-cache-dir \
        --find-links 'file:///wheels' \
        'pandas' \
        -r '/opt/pipelineimage/requirements/1-requirements.txt' \
        -r '/opt/pipelineimage/requirements/2-requirements.txt'
ENV VIRTUAL_ENV="/opt/venv" PATH="/opt/venv/bin:$PATH"
