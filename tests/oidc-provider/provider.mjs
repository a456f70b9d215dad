// A real OpenID Connect provider (oidc-provider, a certified implementation) on loopback, for the external
// identity tests. It issues JWT access tokens through the client_credentials grant with a resource indicator,
// and prints one JSON line: {"issuer", "impostor", "rogue"} (base URLs) once all three listen.
//   issuer:   the provider the API trusts; POST /__rotate puts new signing keys first (the old ones stay published).
//   impostor: another issuer with the same keys (a token whose signature verifies but whose issuer is wrong).
//   rogue:    the trusted issuer's name with keys it never published.
// POST <server>/__token {alg?, resource?, ttl?, ...claims} answers the token endpoint's own answer, after asking it
// for a token signed with alg for that resource (its audience), living ttl seconds, carrying those claims.
import http from "node:http";
import { generateKeyPairSync } from "node:crypto";
import Provider from "oidc-provider";

const audience = process.argv[2] ?? "urn:serverlesschat";
const clientId = "chat-tests";
const clientSecret = "chat-tests-secret-0123456789abcdef";

function newKeys() {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  const stamp = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  return [{ ...rsa, kid: `rsa-${stamp}`, use: "sig", alg: "RS256" }, { ...ec, kid: `ec-${stamp}`, use: "sig", alg: "ES256" }];
}

function build(issuer, keys, state) {
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, grant_types: ["client_credentials"], redirect_uris: [], response_types: [] }],
    jwks: { keys },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource) => ({
          scope: "chat",
          audience: resource,
          accessTokenFormat: "jwt",
          accessTokenTTL: state.next?.ttl ?? 600,
          jwt: { sign: { alg: state.next?.alg ?? "RS256" } },
        }),
      },
    },
    // Every field of the last /__token request but its own controls becomes a claim (uid, name, roles, idtyp...).
    extraTokenClaims: () => {
      const { alg, resource, ttl, ...claims } = state.next ?? {};
      return claims;
    },
  });
  return provider;
}

async function serve(state) {
  const server = http.createServer(async (req, res) => {
    try {
      if (req.method === "POST" && req.url === "/__rotate") {
        state.keys = [...newKeys(), ...state.keys];
        state.provider = build(state.issuer, state.keys, state);
        res.writeHead(204).end();
        return;
      }
      if (req.method === "POST" && req.url === "/__token") {
        const chunks = [];
        for await (const chunk of req) chunks.push(chunk);
        state.next = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
        const port = server.address().port;
        const body = new URLSearchParams({ grant_type: "client_credentials", scope: "chat", resource: state.next.resource ?? audience });
        const answer = await fetch(`http://127.0.0.1:${port}/token`, {
          method: "POST",
          headers: { authorization: "Basic " + Buffer.from(`${clientId}:${clientSecret}`).toString("base64"), "content-type": "application/x-www-form-urlencoded" },
          body,
        });
        res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
        return;
      }
      state.provider.callback()(req, res);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

// Each server learns its port before its provider (whose issuer names it) is built.
const main = { keys: newKeys() };
const impostor = { keys: main.keys };
const mainServer = await serve(main);
const impostorServer = await serve(impostor);
const rogue = {};
const rogueServer = await serve(rogue);
main.issuer = `http://127.0.0.1:${mainServer.address().port}`;
impostor.issuer = `http://127.0.0.1:${impostorServer.address().port}`;
rogue.issuer = main.issuer;
rogue.keys = newKeys();
for (const state of [main, impostor, rogue]) state.provider = build(state.issuer, state.keys, state);

process.stdout.write(JSON.stringify({ issuer: main.issuer, impostor: impostor.issuer, rogue: `http://127.0.0.1:${rogueServer.address().port}` }) + "\n");
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
