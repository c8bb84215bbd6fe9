# The Nurture image: one image for every process. `api` by default; the worker, the migration
# and `setup temporal` are the same image with another command (compose.yaml, docs/deploy.md).
# test/deploy.test.ts runs the build stage's steps and the runtime stage's entry outside Docker
# (no daemon on the machines this was written on): keep every instruction on one line, and
# COPY only what is named, so that the test's small parser reads exactly what Docker reads.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# npm 11, as CI has: it honours package.json's `allowScripts` (the install scripts of
# esbuild, @swc/core, protobufjs and prisma run; @prisma/engines' download does not). The
# npm 10 of the Node 20 image would run every install script.
RUN npm install --global npm@11.19.1 --no-audit --no-fund
# What `npm ci` needs, first, so that a code change reuses the installed dependencies: the
# lock file, and what the postinstall (`prisma generate` through infra/prisma-cli.ts) reads.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY infra/prisma-cli.ts infra/db-admin.ts infra/package.ts ./infra/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY scripts/build.ts ./scripts/build.ts
COPY activities ./activities
COPY api ./api
COPY app ./app
COPY cli ./cli
COPY config ./config
COPY core ./core
COPY email ./email
COPY infra ./infra
COPY observability ./observability
COPY privacy ./privacy
COPY reports ./reports
COPY worker ./worker
COPY workflows ./workflows
# dist/: the compiled code and dist/workflow-bundle.js, so the worker never runs webpack.
RUN npm run build
# The runtime keeps the production dependencies only (prisma and tsx among them: `migrate`
# runs the Prisma CLI, which reads prisma.config.ts).
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the process: nothing here is written at run time.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/prisma.config.ts ./prisma.config.ts
# The campaigns and templates API and workers must agree on (NURTURE_CAMPAIGNS_DIR and
# NURTURE_TEMPLATES_DIR may point at a read-only volume instead: docs/deploy.md).
COPY templates ./templates
COPY campaigns ./campaigns
USER node
# In a container the API must listen beyond loopback; config/safety.ts then demands real
# secrets and an https PUBLIC_URL.
ENV HOST=0.0.0.0
EXPOSE 3000
# The slim image has no curl. The worker answers on WORKER_HEALTH_PORT, the API on PORT.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.WORKER_HEALTH_PORT || process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/nurture.mjs"]
CMD ["api"]
