// A real AT Protocol PDS for Herenow's tests: the reference @atproto/pds with an in-memory PLC directory, started by
// @atproto/dev-env's TestNetworkNoAppView on Node 22, listening on 127.0.0.1 only.
//
//   node pds.mjs --plc-port A --pds-port B --control-port C
//
// The PDS's public URL is http://localhost:B (hostname "localhost", handles end in .test). When both are up it prints
// one line:  READY {"pds":"http://localhost:B","plc":"http://localhost:A"}
// A small JSON control API on http://127.0.0.1:C:
//   GET  /_control/health                          {ok: true, pds, plc}
//   POST /_control/account {handle, password?}     creates the account (email HANDLE@herenow.test) and an app password
//                                                  for it; answers {did, handle, appPassword, password}
// Everything else (createSession, uploadBlob, putRecord, listRecords, getBlob...) is plain XRPC against the PDS.
// SIGTERM/SIGINT close the network and remove the data folder; folders left by a killed peer are removed on start.
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

// ---------------------------------------------------------------------------------------------------- arguments
function argument(name) {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : NaN;
  return Number.isInteger(value) && value > 0 && value <= 65535 ? value : null;
}
const plcPort = argument("plc-port");
const pdsPort = argument("pds-port");
const controlPort = argument("control-port");
if (plcPort === null || pdsPort === null || controlPort === null) {
  console.error("usage: pds.mjs --plc-port A --pds-port B --control-port C");
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------------- loopback only
// The PDS and the PLC server call app.listen(port), which binds every interface. Every listen() in this process that
// names no host is bound to 127.0.0.1 instead.
const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" || (typeof args[0] === "string" && /^\d+$/.test(args[0]))) {
    if (typeof args[1] !== "string") args.splice(1, 0, "127.0.0.1");
  } else if (args[0] && typeof args[0] === "object" && args[0].port !== undefined && !args[0].host && !args[0].path) {
    args[0] = { ...args[0], host: "127.0.0.1" };
  }
  return originalListen.apply(this, args);
};

// ---------------------------------------------------------------------------------------------------- data folder
// The PDS keeps its accounts (SQLite) and blobs on disk: in run/PID next to this file, removed on exit.
const runRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), "run");
fs.mkdirSync(runRoot, { recursive: true });
for (const entry of fs.readdirSync(runRoot)) {
  const pid = Number(entry);
  let alive = false;
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 0);
      alive = true;
    } catch (e) {
      alive = e.code === "EPERM";
    }
  }
  if (!alive) fs.rmSync(path.join(runRoot, entry), { recursive: true, force: true });
}
const dataRoot = path.join(runRoot, String(process.pid));
fs.rmSync(dataRoot, { recursive: true, force: true });
fs.mkdirSync(path.join(dataRoot, "data"), { recursive: true });
fs.mkdirSync(path.join(dataRoot, "blobs"), { recursive: true });

// ---------------------------------------------------------------------------------------------------- the network
const { TestNetworkNoAppView } = await import("@atproto/dev-env");
const network = await TestNetworkNoAppView.create({
  plc: { port: plcPort },
  pds: {
    port: pdsPort,
    hostname: "localhost",
    dataDirectory: path.join(dataRoot, "data"),
    blobstoreDiskLocation: path.join(dataRoot, "blobs"),
  },
});
const pdsUrl = network.pds.url; // http://localhost:B
const plcUrl = network.plc.url; // http://localhost:A
// Requests from here go to 127.0.0.1 (what the servers listen on), whatever "localhost" resolves to first.
const pdsLoopback = `http://127.0.0.1:${pdsPort}`;

async function xrpc(method, body, accessJwt) {
  const headers = { "content-type": "application/json" };
  if (accessJwt) headers.authorization = `Bearer ${accessJwt}`;
  const response = await fetch(`${pdsLoopback}/xrpc/${method}`, { method: "POST", headers, body: JSON.stringify(body) });
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { raw: text };
  }
  if (!response.ok) {
    const error = new Error(`${method} answered ${response.status}: ${text}`);
    error.status = response.status;
    error.body = json;
    throw error;
  }
  return json;
}

let accountCount = 0;
async function createAccount({ handle, password }) {
  if (typeof handle !== "string" || handle.length === 0) throw Object.assign(new Error("handle is required"), { status: 400 });
  password = typeof password === "string" && password.length > 0 ? password : `pw-${handle}-${++accountCount}-${Date.now()}`;
  const email = `${handle.replace(/[^a-zA-Z0-9.-]/g, "-")}@herenow.test`;
  const account = await xrpc("com.atproto.server.createAccount", { handle, email, password });
  const app = await xrpc("com.atproto.server.createAppPassword", { name: "herenow" }, account.accessJwt);
  return { did: account.did, handle: account.handle, appPassword: app.password, password };
}

// ---------------------------------------------------------------------------------------------------- control API
function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : {};
}

const control = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, "http://127.0.0.1");
    if (req.method === "GET" && url.pathname === "/_control/health") {
      return send(res, 200, { ok: true, pds: pdsUrl, plc: plcUrl });
    }
    if (req.method === "POST" && url.pathname === "/_control/account") {
      return send(res, 200, await createAccount(await readJson(req)));
    }
    return send(res, 404, { error: "NotFound", message: `${req.method} ${url.pathname}` });
  } catch (e) {
    console.error(`control: ${e.stack ?? e}`);
    return send(res, e.status && e.status < 500 ? e.status : 500, { error: "ControlFailed", message: String(e.message ?? e), pds: e.body });
  }
});
await new Promise((resolve, reject) => {
  control.once("error", reject);
  control.listen(controlPort, "127.0.0.1", resolve);
});

console.log(`READY ${JSON.stringify({ pds: pdsUrl, plc: plcUrl })}`);

// ---------------------------------------------------------------------------------------------------- shutdown
let closing = false;
async function shutdown(signal) {
  if (closing) return;
  closing = true;
  const timer = setTimeout(() => process.exit(1), 10_000);
  timer.unref();
  try {
    control.close();
    await network.close();
  } catch (e) {
    console.error(`close after ${signal}: ${e.stack ?? e}`);
  }
  fs.rmSync(dataRoot, { recursive: true, force: true });
  process.exit(0);
}
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => shutdown(signal));
