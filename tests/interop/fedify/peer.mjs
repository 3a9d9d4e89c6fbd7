// A Fedify peer for the commons node's interop tests (tests/interop/test_fedify.py).
//
//   node peer.mjs --port 8123 [--handle peer]
//
// Serves one actor, http://127.0.0.1:PORT/users/HANDLE (a Service with an RSA key for
// HTTP Signatures and an Ed25519 key for FEP-8b32 proofs), WebFinger, its followers and
// inboxes. Fedify verifies every signature before a listener runs, so an activity in the
// log is one whose signature Fedify accepted. For the test only, it also serves:
//
//   GET  /_log      {"received": [...], "unverified": [...], "outgoing": [...],
//                    "following": {actor: state}, "followers": [actor, ...], "errors": [...]}
//   POST /_follow   {"actor": IRI}     send a Follow to that actor
//   POST /_publish  {"content": text}  send a Create(Note) to every follower
//   POST /_flag     {"actor": IRI, "objects": [IRI, ...], "content": text}
//                   report objects to that actor's server, as Mastodon does (a Flag)
//
// "outgoing" lists each HTTP request Fedify made, with the signature scheme it used and
// the status it got: Fedify signs with RFC 9421 first and retries with draft-cavage when
// refused, so a 401 there is a signature of ours that refused Fedify's first attempt.
//
// Prints "fedify peer ready on ORIGIN" on stdout once it listens. Loopback use only: it
// sets allowPrivateAddress, which turns off Fedify's SSRF guard.

import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import http from "node:http";
import { parseArgs } from "node:util";

import {
  createFederation,
  generateCryptoKeyPair,
  MemoryKvStore,
} from "@fedify/fedify";
import {
  Accept,
  Announce,
  Create,
  Delete,
  Endpoints,
  Flag,
  Follow,
  Note,
  PUBLIC_COLLECTION,
  Reject,
  Service,
  Undo,
  Update,
} from "@fedify/vocab";
import { configure, getConsoleSink } from "@logtape/logtape";

const { values: args } = parseArgs({
  options: {
    port: { type: "string" },
    handle: { type: "string", default: "peer" },
    host: { type: "string", default: "127.0.0.1" },
  },
});
if (!args.port) {
  console.error("usage: node peer.mjs --port PORT [--handle NAME]");
  process.exit(2);
}
const HANDLE = args.handle;
const ORIGIN = `http://${args.host}:${args.port}`;

await configure({
  sinks: { console: getConsoleSink() },
  contextLocalStorage: new AsyncLocalStorage(),
  loggers: [
    { category: "fedify", sinks: ["console"], lowestLevel: "warning" },
    { category: ["logtape", "meta"], sinks: ["console"], lowestLevel: "warning" },
  ],
});

// What the test reads back through GET /_log.
const state = {
  received: [], // verified activities: {type, id, actor, object, objectType, objectName, ...}
  unverified: [], // activities Fedify refused to verify, with its reason
  outgoing: [], // {method, url, scheme, status}
  following: {}, // actor IRI -> "pending" | "accepted" | "rejected"
  errors: [],
};
const followers = new Map(); // actor IRI -> Recipient
const followsSent = new Map(); // Follow IRI -> followed actor IRI

// Record every request Fedify sends, and how it was signed, before the Fedify code runs.
const originalFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const request = new Request(input, init);
  const scheme = request.headers.has("signature-input")
    ? "rfc9421"
    : request.headers.has("signature")
      ? "draft-cavage"
      : "none";
  const entry = { method: request.method, url: request.url, scheme, status: null };
  state.outgoing.push(entry);
  try {
    const response = await originalFetch(request);
    entry.status = response.status;
    return response;
  } catch (error) {
    entry.error = String(error);
    throw error;
  }
};

const keyPairs = [
  await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"),
  await generateCryptoKeyPair("Ed25519"),
];

const federation = createFederation({
  kv: new MemoryKvStore(),
  origin: ORIGIN,
  allowPrivateAddress: true,
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== HANDLE) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Service({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Fedify interop peer",
      summary: "A Fedify 2 peer the commons node's interop tests federate with.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((pair) => pair.multikey),
    });
  })
  .mapHandle((_ctx, username) => (username === HANDLE ? HANDLE : null))
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === HANDLE ? keyPairs : []));

federation
  .setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
    if (identifier !== HANDLE) return null;
    return { items: [...followers.values()] };
  })
  .setCounter((_ctx, identifier) => (identifier === HANDLE ? followers.size : null));

/** Return a short, JSON-friendly description of an activity's object. */
async function describeObject(ctx, activity) {
  const out = { object: activity.objectId?.href ?? null };
  try {
    const object = await activity.getObject(ctx);
    if (object != null) {
      out.objectType = object.constructor.name;
      out.objectName = object.name?.toString() ?? null;
      out.objectSummary = object.summary?.toString() ?? null;
    }
  } catch (error) {
    out.objectError = String(error);
  }
  return out;
}

/** Log a verified activity; `withObject` also reads its object (fetched if not trusted). */
async function record(ctx, activity, withObject = true) {
  const entry = {
    type: activity.constructor.name,
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    ...(withObject ? await describeObject(ctx, activity) : { object: activity.objectId?.href ?? null }),
  };
  state.received.push(entry);
  return entry;
}

/** Send and never throw: a failed send is kept in the log for the test to show. */
async function send(ctx, recipients, activity) {
  try {
    await ctx.sendActivity({ identifier: HANDLE }, recipients, activity);
    return null;
  } catch (error) {
    state.errors.push(`sending ${activity.id?.href}: ${error}`);
    return String(error);
  }
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    await record(ctx, follow, false);
    const parsed = follow.objectId == null ? null : ctx.parseUri(follow.objectId);
    if (follow.id == null || parsed?.type !== "actor" || parsed.identifier !== HANDLE) return;
    const follower = await follow.getActor(ctx);
    if (follower?.id == null || follower.inboxId == null) return;
    followers.set(follower.id.href, {
      id: follower.id,
      inboxId: follower.inboxId,
      endpoints: follower.endpoints,
    });
    await send(
      ctx,
      follower,
      new Accept({
        id: new URL(`/accepts/${randomUUID()}`, ORIGIN),
        actor: ctx.getActorUri(HANDLE),
        object: follow,
      }),
    );
  })
  .on(Accept, async (ctx, accept) => {
    await record(ctx, accept, false);
    const followed = followsSent.get(accept.objectId?.href) ?? accept.actorId?.href;
    if (followed != null) state.following[followed] = "accepted";
  })
  .on(Reject, async (ctx, reject) => {
    await record(ctx, reject, false);
    const followed = followsSent.get(reject.objectId?.href) ?? reject.actorId?.href;
    if (followed != null) state.following[followed] = "rejected";
  })
  .on(Undo, async (ctx, undo) => {
    await record(ctx, undo, false);
    if (undo.actorId != null) followers.delete(undo.actorId.href);
  })
  .on(Create, (ctx, create) => record(ctx, create))
  .on(Update, (ctx, update) => record(ctx, update))
  .on(Delete, (ctx, remove) => record(ctx, remove))
  .on(Announce, (ctx, announce) => record(ctx, announce))
  .onUnverifiedActivity((_ctx, activity, reason) => {
    state.unverified.push({
      type: activity.constructor.name,
      id: activity.id?.href ?? null,
      actor: activity.actorId?.href ?? null,
      reason: reason.type,
    });
  })
  .onError((_ctx, error) => {
    state.errors.push(`inbox: ${error}`);
  });

/** POST /_follow {"actor": IRI}: follow that actor. */
async function controlFollow(body) {
  const ctx = federation.createContext(new URL(ORIGIN), undefined);
  const target = await ctx.lookupObject(body.actor);
  if (target?.id == null || target.inboxId == null) {
    return { status: 404, json: { error: `no actor at ${body.actor}` } };
  }
  const follow = new Follow({
    id: new URL(`/follows/${randomUUID()}`, ORIGIN),
    actor: ctx.getActorUri(HANDLE),
    object: target.id,
  });
  followsSent.set(follow.id.href, target.id.href);
  state.following[target.id.href] = "pending";
  const error = await send(ctx, target, follow);
  return { status: error ? 502 : 202, json: { id: follow.id.href, error } };
}

/** POST /_publish {"content": text}: a public Note to every follower. */
async function controlPublish(body) {
  const ctx = federation.createContext(new URL(ORIGIN), undefined);
  const noteId = new URL(`/notes/${randomUUID()}`, ORIGIN);
  const create = new Create({
    id: new URL(`/creates/${randomUUID()}`, ORIGIN),
    actor: ctx.getActorUri(HANDLE),
    to: PUBLIC_COLLECTION,
    cc: ctx.getFollowersUri(HANDLE),
    object: new Note({
      id: noteId,
      attribution: ctx.getActorUri(HANDLE),
      to: PUBLIC_COLLECTION,
      cc: ctx.getFollowersUri(HANDLE),
      content: String(body.content ?? ""),
    }),
  });
  let error = null;
  try {
    await ctx.sendActivity({ identifier: HANDLE }, "followers", create);
  } catch (caught) {
    error = String(caught);
    state.errors.push(`publishing ${create.id.href}: ${error}`);
  }
  return { status: error ? 502 : 202, json: { id: create.id.href, object: noteId.href, error } };
}

/** POST /_flag {"actor", "objects", "content"}: a Flag to that actor (a report). */
async function controlFlag(body) {
  const ctx = federation.createContext(new URL(ORIGIN), undefined);
  const target = await ctx.lookupObject(body.actor);
  if (target?.id == null || target.inboxId == null) {
    return { status: 404, json: { error: `no actor at ${body.actor}` } };
  }
  const flag = new Flag({
    id: new URL(`/flags/${randomUUID()}`, ORIGIN),
    actor: ctx.getActorUri(HANDLE),
    to: target.id,
    objects: (body.objects ?? []).map((iri) => new URL(iri)),
    content: String(body.content ?? ""),
  });
  const error = await send(ctx, target, flag);
  return { status: error ? 502 : 202, json: { id: flag.id.href, error } };
}

const controls = {
  "GET /_log": async () => ({
    status: 200,
    json: { ...state, followers: [...followers.keys()] },
  }),
  "POST /_follow": controlFollow,
  "POST /_publish": controlPublish,
  "POST /_flag": controlFlag,
};

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function handle(req, res) {
  const url = new URL(req.url, ORIGIN);
  const body = await readBody(req);
  const control = controls[`${req.method} ${url.pathname}`];
  let response;
  if (control != null) {
    const result = await control(body.length ? JSON.parse(body.toString("utf8")) : {});
    response = Response.json(result.json, { status: result.status });
  } else {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
    }
    const request = new Request(url, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    response = await federation.fetch(request, {
      contextData: undefined,
      onNotFound: () => new Response("Not found", { status: 404 }),
      onNotAcceptable: () => new Response("Not acceptable", { status: 406 }),
    });
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    state.errors.push(`${req.method} ${req.url}: ${error?.stack ?? error}`);
    if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
    res.end(String(error));
  });
});
server.listen(Number(args.port), args.host, () => {
  console.log(`fedify peer ready on ${ORIGIN}`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
