# The node's services, for docker-compose.yml: one image, run from the TypeScript sources with tsx (as the local
# stack runs them); each container starts one service (`node --import tsx services/<name>/main.ts`).
FROM node:20-bookworm-slim
WORKDIR /app
# The Kafka client (@confluentinc/kafka-javascript) compiles its bundled librdkafka at install, linked against
# Debian's libraries (its prebuilt binary is downloaded from outside the npm registry): see the README.
RUN apt-get update \
  && apt-get install -y --no-install-recommends build-essential python3 pkg-config zlib1g-dev libssl-dev \
     libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev \
  && rm -rf /var/lib/apt/lists/*
ENV CKJS_LINKING=dynamic
ENV UV_THREADPOOL_SIZE=16
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ENV NCN_LOG_LEVEL=info
CMD ["node", "--import", "tsx", "services/cli/main.ts", "--help"]
