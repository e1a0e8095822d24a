// Which src/ folder may import which: the layers of docs/architecture.md, checked by `npm run lint:deps`.
// A folder imports folders of its own layer or of layers below it, never above; no circles between files or folders.

/** Bottom to top. Keep in step with the picture in docs/architecture.md. */
const layers = [
  { name: "base", folders: ["errors", "clock", "text", "log", "memo"] },
  { name: "settings", folders: ["config", "scopes", "scrub"] },
  { name: "adapters", folders: ["keys", "store", "vault", "metrics"] },
  { name: "tokens", folders: ["tokens"] },
  { name: "context", folders: ["context"] },
  {
    name: "domain",
    folders: [
      "approvals",
      "audit",
      "principals",
      "identity",
      "enforce",
      "exchange",
      "issuance",
      "credentials",
      "tasks",
      "guard",
      "exec",
    ],
  },
  { name: "edges", folders: ["http", "proxy", "mcp", "client", "sdk"] },
  { name: "wiring", folders: ["broker"] },
  { name: "commands", folders: ["cli"] },
];

/**
 * Imports that break a rule today and are allowed by name until they are moved. Each says why it is still here.
 * `from` and `to` are path regular expressions.
 */
const exceptions = {
  upward: [],
  circular: [],
};

const folderPattern = (folders) => `^src/(${folders.join("|")})/`;
const allFolders = layers.flatMap((layer) => layer.folders);

function upwardRules() {
  return layers.flatMap((layer, index) => {
    const above = layers.slice(index + 1).flatMap((l) => l.folders);
    if (above.length === 0) return [];
    return layer.folders.map((folder) => {
      const allowed = exceptions.upward.filter((e) => new RegExp(e.from).test(`src/${folder}/`));
      return {
        name: `no-upward-from-${folder}`,
        severity: "error",
        comment: `${folder} is in the ${layer.name} layer: it may not import a layer above it (docs/architecture.md)`,
        from: { path: `^src/${folder}/` },
        to: {
          path: folderPattern(above),
          ...(allowed.length > 0 ? { pathNot: allowed.map((e) => e.to) } : {}),
        },
      };
    });
  });
}

const circularNot = exceptions.circular.map((e) => e.from);

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "a file may not import itself through other files",
      from: circularNot.length > 0 ? { pathNot: circularNot } : {},
      to: { circular: true },
    },
    {
      name: "no-folder-circular",
      severity: "error",
      scope: "folder",
      comment: "a folder may not import itself through other folders, even where no file-level circle exists",
      from: {},
      to: { circular: true },
    },
    ...upwardRules(),
    {
      name: "folder-has-a-layer",
      severity: "error",
      comment: "every src/ folder is placed in a layer above (and in docs/architecture.md) before it is used",
      from: { path: "^src/", pathNot: folderPattern(allFolders) },
      to: {},
    },
    {
      name: "folder-has-a-layer",
      severity: "error",
      comment: "every src/ folder is placed in a layer above (and in docs/architecture.md) before it is used",
      from: {},
      to: { path: "^src/", pathNot: folderPattern(allFolders) },
    },
    {
      name: "http-only-from-wiring",
      severity: "error",
      comment: "the Fastify app is assembled by the broker; other edges use errors/ for problem+json",
      from: { pathNot: "^src/(http|broker)/" },
      to: { path: "^src/http/" },
    },
    {
      name: "libraries-stand-alone",
      severity: "error",
      comment:
        "client/ and sdk/ are published packages: they build on tokens/ and below, never on another edge",
      from: { path: "^src/(client|sdk)/" },
      to: { path: "^src/(http|proxy|mcp|cli)/" },
    },
    {
      name: "config-without-keys",
      severity: "error",
      comment: "configuration says where keys are; reading them is keys/'s job",
      from: { path: "^src/config/" },
      to: { path: "^src/keys/" },
    },
    {
      name: "src-not-tests",
      severity: "error",
      comment: "production code never imports test or bench code",
      from: { path: "^src/" },
      to: { path: "^(test|bench)/" },
    },
  ],
  options: {
    // Type-only imports count: a type shared by many layers belongs low, not in the module that wires them.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    includeOnly: "^src/",
  },
};
