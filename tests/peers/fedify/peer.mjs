// A real ActivityPub peer for Herenow's interop tests: Fedify on Node 22, listening on 127.0.0.1 only.
//
//   node peer.mjs --port P [--first-knock rfc9421|draft-cavage-http-signatures-12]
//
// Every /users/{identifier} is a Person, made on first use with its own RSA (RSASSA-PKCS1-v1_5) and Ed25519 key
// pairs, kept in memory. Signature verification stays on. What arrives in the inboxes is logged in memory and read
// (and what the peer sends is triggered) through a small JSON control API under /_control/ (the list is at the end of
// this file). Everything else goes to Fedify's own request handler.
import http from "node:http";
import { randomUUID } from "node:crypto";
import { AsyncLocalStorage } from "node:async_hooks";
import { Temporal } from "@js-temporal/polyfill";
import { configure, getConsoleSink } from "@logtape/logtape";
import {
  createFederation,
  exportJwk,
  generateCryptoKeyPair,
  importJwk,
  InProcessMessageQueue,
  MemoryKvStore,
} from "@fedify/fedify";
import {
  Accept,
  Activity,
  Create,
  Delete,
  Document,
  Endpoints,
  Follow,
  Image,
  Like,
  Link,
  Note,
  Person,
  Place,
  PUBLIC_COLLECTION,
  Tombstone,
  Undo,
  Update,
} from "@fedify/vocab";

// ---------------------------------------------------------------------------------------------------- arguments
function argument(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const port = Number(argument("port", ""));
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error("usage: peer.mjs --port P [--first-knock rfc9421|draft-cavage-http-signatures-12]");
  process.exit(2);
}
const firstKnock = argument("first-knock", "rfc9421");
if (firstKnock !== "rfc9421" && firstKnock !== "draft-cavage-http-signatures-12") {
  console.error(`unknown --first-knock ${firstKnock}`);
  process.exit(2);
}
const origin = `http://127.0.0.1:${port}`;

// Fedify logs through LogTape; warnings and errors (failed signature checks, failed deliveries) go to stderr.
await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { console: getConsoleSink() },
  loggers: [
    { category: "fedify", sinks: ["console"], lowestLevel: process.env.FEDIFY_PEER_LOG ?? "warning" },
    { category: ["logtape", "meta"], sinks: ["console"], lowestLevel: "warning" },
  ],
});

// ---------------------------------------------------------------------------------------------------- state
/** identifier -> { rsa: {privateKey, publicKey} as JWK, ed: ... } (JWKs, imported on each use; cheap). */
const keys = new Map();
/** identifier -> Map(followerActorUrl -> { id, inboxId, endpoints }) */
const followers = new Map();
/** note URL -> Note (what this peer published, so it can be dereferenced) */
const notes = new Map();
/** every activity that reached an inbox listener, in arrival order */
const inboxLog = [];
/** every request that reached Fedify (not the control API), newest last, at most 500 */
const requestLog = [];
/** activity id -> signature facts of the POST that carried it (listeners run from the queue, after the response) */
const signatureByActivity = new Map();

function followersOf(identifier) {
  let map = followers.get(identifier);
  if (map == null) followers.set(identifier, (map = new Map()));
  return map;
}

async function keyPairsOf(identifier) {
  let entry = keys.get(identifier);
  if (entry == null) {
    const rsa = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
    const ed = await generateCryptoKeyPair("Ed25519");
    entry = {
      rsa: { privateKey: await exportJwk(rsa.privateKey), publicKey: await exportJwk(rsa.publicKey) },
      ed: { privateKey: await exportJwk(ed.privateKey), publicKey: await exportJwk(ed.publicKey) },
    };
    // Two concurrent first uses: keep whichever was stored first.
    if (!keys.has(identifier)) keys.set(identifier, entry);
    entry = keys.get(identifier);
  }
  return [
    { privateKey: await importJwk(entry.rsa.privateKey, "private"), publicKey: await importJwk(entry.rsa.publicKey, "public") },
    { privateKey: await importJwk(entry.ed.privateKey, "private"), publicKey: await importJwk(entry.ed.publicKey, "public") },
  ];
}

/** Which HTTP signature scheme a request carries, from its raw headers. */
function signatureFacts(headers) {
  const names = [...headers.keys()];
  const scheme = headers.has("signature-input") ? "rfc9421" : headers.has("signature") ? "draft-cavage" : "none";
  return {
    scheme,
    headerNames: names,
    signatureInput: headers.get("signature-input"),
    signature: headers.get("signature"),
    contentDigest: headers.get("content-digest"),
    digest: headers.get("digest"),
    date: headers.get("date"),
  };
}

// ---------------------------------------------------------------------------------------------------- federation
const federation = createFederation({
  kv: new MemoryKvStore(),
  queue: new InProcessMessageQueue(),
  origin,
  allowPrivateAddress: true, // loopback over http: tests only
  firstKnock,
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    const pairs = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: identifier,
      summary: `Fedify ${firstKnock} test peer`,
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      manuallyApprovesFollowers: false,
      publicKey: pairs[0].cryptographicKey,
      assertionMethods: pairs.map((p) => p.multikey),
    });
  })
  .setKeyPairsDispatcher((_ctx, identifier) => keyPairsOf(identifier))
  .mapHandle((_ctx, username) => username);

federation.setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => ({
  items: [...followersOf(identifier).values()].map((f) => ({
    id: new URL(f.id),
    inboxId: f.inboxId == null ? null : new URL(f.inboxId),
    endpoints: f.sharedInbox == null ? null : { sharedInbox: new URL(f.sharedInbox) },
  })),
}));

federation.setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", (ctx, values) =>
  notes.get(ctx.getObjectUri(Note, values).href) ?? null,
);

async function describeObject(ctx, object) {
  if (object == null) return null;
  const json = await object.toJsonLd();
  const described = {
    type: typeof json.type === "string" ? json.type : object.constructor.name,
    id: object.id?.href ?? null,
    content: object.content?.toString() ?? null,
    attributedTo: object.attributionId?.href ?? null,
    location: null,
    attachments: [],
  };
  if (typeof object.getLocation === "function") {
    const place = await object.getLocation(ctx);
    if (place != null) {
      described.location = {
        type: place instanceof Place ? "Place" : (await place.toJsonLd()).type ?? place.constructor.name,
        id: place.id?.href ?? null,
        name: place.name?.toString() ?? null,
        latitude: place.latitude ?? null,
        longitude: place.longitude ?? null,
        accuracy: place.accuracy ?? null,
        altitude: place.altitude ?? null,
        radius: place.radius ?? null,
        units: place.units == null ? null : place.units.toString(),
      };
    }
  }
  if (typeof object.getAttachments === "function") {
    for await (const a of object.getAttachments(ctx)) {
      const aj = await a.toJsonLd();
      const url = a instanceof Link ? a.href : a.url instanceof Link ? a.url.href : a.url;
      described.attachments.push({
        type: typeof aj.type === "string" ? aj.type : a.constructor.name,
        mediaType: a.mediaType ?? null,
        url: url?.href ?? null,
        name: a.name?.toString() ?? null,
        width: a.width ?? null,
        height: a.height ?? null,
      });
    }
  }
  return described;
}

async function record(ctx, activity, extra = {}) {
  const json = await activity.toJsonLd();
  const id = activity.id?.href ?? null;
  const { body: raw = null, ...signature } = (id && signatureByActivity.get(id)) ?? { scheme: "unknown", headerNames: [] };
  const entry = {
    seq: inboxLog.length + 1,
    receivedAt: new Date().toISOString(),
    type: typeof json.type === "string" ? json.type : activity.constructor.name,
    id,
    actor: activity.actorId?.href ?? null,
    objectId: activity.objectId?.href ?? null,
    recipient: ctx.recipient ?? "shared",
    signature,
    activity: json, // Fedify's own serialization of what it parsed
    raw, // the JSON body exactly as it was POSTed (null if it came some other way)
    ...extra,
  };
  inboxLog.push(entry);
  console.error(`inbox: ${entry.type} ${id} from ${entry.actor} to ${entry.recipient} (${signature.scheme})`);
  return entry;
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    const entry = await record(ctx, follow);
    const target = follow.objectId == null ? null : ctx.parseUri(follow.objectId);
    if (target?.type !== "actor") {
      entry.note = "Follow of something that is not a local actor: not answered";
      return;
    }
    const follower = await follow.getActor(ctx);
    if (follower?.id == null) {
      entry.note = "follower could not be fetched: not answered";
      return;
    }
    followersOf(target.identifier).set(follower.id.href, {
      id: follower.id.href,
      inboxId: follower.inboxId?.href ?? null,
      sharedInbox: follower.endpoints?.sharedInbox?.href ?? null,
    });
    const accept = new Accept({
      id: new URL(`${ctx.getActorUri(target.identifier).href}#accepts/${randomUUID()}`),
      actor: ctx.getActorUri(target.identifier),
      to: follower.id,
      object: follow,
    });
    await ctx.sendActivity({ identifier: target.identifier }, follower, accept);
    entry.acceptId = accept.id.href;
  })
  .on(Accept, (ctx, accept) => record(ctx, accept))
  .on(Undo, async (ctx, undo) => {
    const entry = await record(ctx, undo);
    const object = await undo.getObject(ctx);
    if (object instanceof Follow && object.objectId != null) {
      const target = ctx.parseUri(object.objectId);
      if (target?.type === "actor" && undo.actorId != null) {
        entry.removedFollower = followersOf(target.identifier).delete(undo.actorId.href);
      }
    }
  })
  .on(Create, async (ctx, create) => {
    const object = await create.getObject(ctx);
    await record(ctx, create, { object: await describeObject(ctx, object) });
  })
  .on(Update, async (ctx, update) => {
    const object = await update.getObject(ctx);
    await record(ctx, update, { object: await describeObject(ctx, object) });
  })
  .on(Delete, (ctx, del) => record(ctx, del))
  .on(Like, (ctx, like) => record(ctx, like))
  .on(Activity, (ctx, activity) => record(ctx, activity)) // every other type
  .onError((_ctx, error) => console.error("inbox listener error:", error));

// ---------------------------------------------------------------------------------------------------- control API
class ControlError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function required(body, name) {
  const value = body?.[name];
  if (value == null || value === "") throw new ControlError(400, `missing "${name}"`);
  return value;
}

function json(status, value) {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
}

async function lookupActor(ctx, url) {
  const actor = await ctx.lookupObject(url);
  if (actor == null || actor.id == null || actor.inboxId == null) {
    throw new ControlError(502, `${url} did not resolve to an actor with an inbox`);
  }
  return actor;
}

/** Recipients as given: an actor URL (looked up) or "followers". */
async function recipientsOf(ctx, to) {
  if (to == null || to === "followers") return "followers";
  const list = Array.isArray(to) ? to : [to];
  return Promise.all(list.map((u) => lookupActor(ctx, u)));
}

/** `to` for the followers collection, `tos` for a list of actors (Fedify's vocabulary has both). */
function addressing(ctx, actor, recipients) {
  return recipients === "followers" ? { to: ctx.getFollowersUri(actor) } : { tos: recipients.map((r) => r.id) };
}

function activityId(actor, kind) {
  return new URL(`${origin}/users/${encodeURIComponent(actor)}#${kind}/${randomUUID()}`);
}

async function control(request, url) {
  const ctx = federation.createContext(request, undefined);
  const body = request.method === "POST" ? await request.json().catch(() => { throw new ControlError(400, "body is not JSON"); }) : null;
  switch (`${request.method} ${url.pathname}`) {
    case "GET /_control/health":
      return json(200, { ok: true, origin, firstKnock });
    case "GET /_control/inbox": {
      const type = url.searchParams.get("type");
      return json(200, type ? inboxLog.filter((e) => e.type === type) : inboxLog);
    }
    case "GET /_control/requests":
      return json(200, requestLog);
    case "GET /_control/followers": {
      const actor = url.searchParams.get("actor");
      if (!actor) throw new ControlError(400, 'missing "actor"');
      return json(200, [...followersOf(actor).keys()]);
    }
    case "POST /_control/follow": {
      const actor = required(body, "actor");
      const target = await lookupActor(ctx, required(body, "target"));
      const follow = new Follow({
        id: activityId(actor, "follows"),
        actor: ctx.getActorUri(actor),
        object: target.id,
        to: target.id,
      });
      await ctx.sendActivity({ identifier: actor }, target, follow);
      return json(200, { id: follow.id.href });
    }
    case "POST /_control/unfollow": {
      const actor = required(body, "actor");
      const target = await lookupActor(ctx, required(body, "target"));
      const undo = new Undo({
        id: activityId(actor, "undos"),
        actor: ctx.getActorUri(actor),
        to: target.id,
        object: new Follow({
          id: new URL(required(body, "followId")),
          actor: ctx.getActorUri(actor),
          object: target.id,
        }),
      });
      await ctx.sendActivity({ identifier: actor }, target, undo);
      return json(200, { id: undo.id.href });
    }
    case "POST /_control/create": {
      const actor = required(body, "actor");
      const content = required(body, "content");
      const noteId = ctx.getObjectUri(Note, { identifier: actor, id: randomUUID() });
      const hasPlace = body.latitude != null || body.longitude != null || body.placeName != null;
      const note = new Note({
        id: noteId,
        attribution: ctx.getActorUri(actor),
        content,
        published: Temporal.Now.instant(),
        to: PUBLIC_COLLECTION,
        cc: ctx.getFollowersUri(actor),
        url: noteId,
        attachments: (body.attachments ?? []).map((a) => {
          const values = {
            url: new URL(required(a, "url")),
            mediaType: a.mediaType ?? null,
            name: a.name ?? null,
            width: a.width ?? null,
            height: a.height ?? null,
          };
          return a.type === "Document" ? new Document(values) : new Image(values);
        }),
        location: hasPlace
          ? new Place({
              name: body.placeName ?? null,
              latitude: body.latitude ?? null,
              longitude: body.longitude ?? null,
            })
          : null,
      });
      notes.set(noteId.href, note);
      const create = new Create({
        id: new URL(`${noteId.href}#create`),
        actor: ctx.getActorUri(actor),
        to: PUBLIC_COLLECTION,
        cc: ctx.getFollowersUri(actor),
        object: note,
        published: note.published,
      });
      await ctx.sendActivity({ identifier: actor }, await recipientsOf(ctx, body.to), create);
      return json(200, { noteId: noteId.href, activityId: create.id.href });
    }
    case "POST /_control/delete": {
      const actor = required(body, "actor");
      const noteId = new URL(required(body, "noteId"));
      notes.delete(noteId.href);
      const del = new Delete({
        id: new URL(`${noteId.href}#delete/${randomUUID()}`),
        actor: ctx.getActorUri(actor),
        to: PUBLIC_COLLECTION,
        cc: ctx.getFollowersUri(actor),
        object: new Tombstone({ id: noteId }),
      });
      await ctx.sendActivity({ identifier: actor }, await recipientsOf(ctx, body.to), del);
      return json(200, { id: del.id.href });
    }
    case "POST /_control/like": {
      const actor = required(body, "actor");
      const recipients = await recipientsOf(ctx, required(body, "to"));
      const like = new Like({
        id: activityId(actor, "likes"),
        actor: ctx.getActorUri(actor),
        object: new URL(required(body, "object")),
        ...addressing(ctx, actor, recipients),
      });
      await ctx.sendActivity({ identifier: actor }, recipients, like);
      return json(200, { id: like.id.href });
    }
    case "POST /_control/unlike": {
      const actor = required(body, "actor");
      const recipients = await recipientsOf(ctx, required(body, "to"));
      const undo = new Undo({
        id: activityId(actor, "undos"),
        actor: ctx.getActorUri(actor),
        ...addressing(ctx, actor, recipients),
        object: new Like({
          id: new URL(required(body, "likeId")),
          actor: ctx.getActorUri(actor),
          object: new URL(required(body, "object")),
        }),
      });
      await ctx.sendActivity({ identifier: actor }, recipients, undo);
      return json(200, { id: undo.id.href });
    }
    default:
      throw new ControlError(404, `no control route ${request.method} ${url.pathname}`);
  }
}

// ---------------------------------------------------------------------------------------------------- HTTP
async function handle(request) {
  const url = new URL(request.url);
  if (url.pathname.startsWith("/_control/")) {
    try {
      return await control(request, url);
    } catch (error) {
      const status = error instanceof ControlError ? error.status : 500;
      console.error(`control ${request.method} ${url.pathname} failed:`, error);
      return json(status, { error: String(error?.message ?? error), stack: error?.stack ?? null });
    }
  }
  const facts = signatureFacts(request.headers);
  const logged = { at: new Date().toISOString(), method: request.method, path: url.pathname + url.search, accept: request.headers.get("accept"), userAgent: request.headers.get("user-agent"), ...facts, status: null };
  requestLog.push(logged);
  if (requestLog.length > 500) requestLog.shift();
  if (request.method === "POST") {
    // Remember which scheme carried this activity: the listener runs later, from the queue, without the request.
    try {
      const activity = await request.clone().json();
      if (typeof activity?.id === "string") signatureByActivity.set(activity.id, { ...facts, body: activity });
    } catch {
      // not JSON: Fedify answers it
    }
  }
  const response = await federation.fetch(request, { contextData: undefined });
  logged.status = response.status;
  if (response.status >= 400) console.error(`${request.method} ${url.pathname} -> ${response.status} (${facts.scheme})`);
  return response;
}

const server = http.createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(new URL(req.url, origin), {
      method: req.method,
      headers,
      body: hasBody && chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    });
    const response = await handle(request);
    const outHeaders = {};
    response.headers.forEach((value, name) => {
      outHeaders[name] = name in outHeaders ? `${outHeaders[name]}, ${value}` : value;
    });
    res.writeHead(response.status, outHeaders);
    res.end(response.body == null ? undefined : Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    console.error("request failed:", error);
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: String(error?.message ?? error) }));
  }
});

server.listen(port, "127.0.0.1", () => console.log(`fedify peer listening on ${origin} (first knock ${firstKnock})`));

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}

// Control API (JSON, loopback only):
//   GET  /_control/health                         -> {ok, origin, firstKnock}
//   GET  /_control/inbox[?type=Create]            -> the inbox log (see record())
//   GET  /_control/requests                       -> the last 500 requests Fedify handled, with signature headers
//   GET  /_control/followers?actor=ID             -> [follower actor URL]
//   POST /_control/follow   {actor, target}                     -> {id}
//   POST /_control/unfollow {actor, target, followId}           -> {id}
//   POST /_control/create   {actor, content, latitude?, longitude?, placeName?, attachments?, to?} -> {noteId, activityId}
//        attachments: [{type: "Image" (default) | "Document", url, mediaType?, name?, width?, height?}]
//   POST /_control/delete   {actor, noteId, to?}                -> {id}
//   POST /_control/like     {actor, object, to}                 -> {id}
//   POST /_control/unlike   {actor, object, to, likeId}         -> {id}
// "to" is an actor URL, a list of them, or "followers" (the default for create and delete).
// Errors: {error, stack} with 400 (bad request), 404 (no route), 502 (remote actor unusable) or 500.
