# The leash broker: runs the TypeScript sources through tsx (no build step), as bin/leash.js does everywhere.
FROM node:20-slim

WORKDIR /app
ENV NODE_ENV=production

COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# Only what the broker runs: copying the whole context would also bring a host node_modules along.
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY scopes ./scopes

# Key files are refused when others can read them: the directory belongs to the unprivileged user that writes them.
RUN mkdir -p /keys && chown node:node /keys && chmod 0700 /keys
USER node
VOLUME ["/keys"]

EXPOSE 8080
CMD ["sh", "-c", "npx leash keys init --dir /keys && npx leash init && npx leash serve"]
