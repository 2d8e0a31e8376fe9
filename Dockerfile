# The worker image for docker-compose.yml (not used by the local run or CI).
FROM python:3.11-slim
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir .
ENV HF_HUB_OFFLINE=1
CMD ["flashpoint", "worker"]
