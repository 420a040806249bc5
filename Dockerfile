# The node's services, for docker-compose.yml: one image, run from the TypeScript sources with tsx (as the local
# stack runs them); each container starts one service (`node --import tsx services/<name>/main.ts`).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# kafkajs is patched at install (patches/, see the README): the patch must be there before npm ci.
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
ENV NCN_LOG_LEVEL=info
CMD ["node", "--import", "tsx", "services/cli/main.ts", "--help"]
