# One image for every ITSM service; docker-compose.yml picks the entry point
# (node services/<name>/dist/main.js). Build from the repository root:
#   docker build -t itsm/platform:local .
FROM node:20-bookworm AS build
WORKDIR /app
COPY . .
# Drop anything built or installed on the host, then install from the lock file
# and build every package (tsc -b, as on the host).
RUN rm -rf node_modules ./*/*/node_modules ./*/*/dist ./*/*/tsconfig.tsbuildinfo ./*.tsbuildinfo .cache \
 && npm ci --no-audit --no-fund \
 && npx tsc -b

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
# docker-compose.yml sets the service per container; incident by default.
CMD ["node", "services/incident/dist/main.js"]
