# The personalize-optimizer worker. Debian slim, not Alpine: Temporal's core-bridge needs glibc.
FROM node:22.21.1-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:bundle && npm prune --omit=dev

FROM node:22.21.1-bookworm-slim
ENV NODE_ENV=production \
    PERSONALIZE_OPTIMIZER_CONFIG=/config/config.yaml \
    METRICS_PORT=9464 \
    HEALTH_PORT=9465
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 9464 9465
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.HEALTH_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# tsx runs the TypeScript sources; the workflow bundle is prebuilt (dist/workflow-bundle.js).
CMD ["node", "--import", "tsx", "worker/main.ts"]
