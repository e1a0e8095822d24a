# The leash broker: the package is compiled in a build stage; the image runs the compiled CLI as the unprivileged
# `node` user, with production dependencies only.
FROM node:20-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# The incremental build's state stays out of the image.
RUN npm run build && rm dist/.tsbuildinfo

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 LEASH_KEYS_DIR=/keys LEASH_SCOPES_DIR=/app/scopes
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /build/dist ./dist
COPY scopes ./scopes

# Key files are refused when others can read them: the directory belongs to the unprivileged user that writes them.
RUN mkdir -p /keys && chown node:node /keys && chmod 0700 /keys
USER node
VOLUME ["/keys"]

EXPOSE 8080
# Ready means Redis answers, the store generation is there and every environment has a signing key.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=5 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["sh", "-c", "node dist/cli/bin.cjs keys init --dir /keys && node dist/cli/bin.cjs init && exec node dist/cli/bin.cjs serve"]
