// Baseline: the ceiling for any Fastify route on this machine. Same Fastify as leash, no logger, one GET route.
// Also POST /echo, which parses a JSON body like /v1/authorize's and answers a constant: HTTP + JSON cost alone.
import Fastify from "fastify";

const port = Number(process.env.PORT ?? 0);
const app = Fastify({ logger: false });
app.get("/", async () => ({ hello: "world" }));
app.post("/echo", async () => ({ allow: true, reason: "ok" }));
const address = await app.listen({ port, host: "127.0.0.1" });
process.stdout.write(`${address}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
