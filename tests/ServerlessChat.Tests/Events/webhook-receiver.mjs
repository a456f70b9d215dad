// A webhook receiver for the events-out tests: verifies every delivery with the Standard Webhooks reference
// library, answers 500 to the first FAIL_FIRST deliveries (and to all while failing is switched on), and
// reports what it took on GET /received. Prints its port on the first line of stdout.
import http from "node:http";
import { Webhook } from "standardwebhooks";

const webhook = new Webhook(process.env.WEBHOOK_SECRET);
let failFirst = Number(process.env.FAIL_FIRST ?? "0");
let failing = false;
const accepted = [];
let refused = 0;
let badSignatures = 0;
let wrongContentType = 0;

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    if (request.method === "GET" && request.url === "/received") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ accepted, refused, badSignatures, wrongContentType }));
      return;
    }
    if (request.method === "POST" && request.url === "/failing") {
      failing = JSON.parse(body).failing;
      response.writeHead(204).end();
      return;
    }
    let event;
    try {
      event = webhook.verify(body, request.headers);
    } catch {
      badSignatures++;
      response.writeHead(400).end();
      return;
    }
    if (request.headers["content-type"] !== "application/cloudevents+json") {
      wrongContentType++;
    }
    if (failing || failFirst > 0) {
      failFirst--;
      refused++;
      response.writeHead(500).end();
      return;
    }
    accepted.push({
      webhookId: request.headers["webhook-id"],
      specversion: event.specversion,
      id: event.id,
      source: event.source,
      type: event.type,
      subject: event.subject,
      time: event.time,
      datacontenttype: event.datacontenttype,
      data: event.data,
    });
    response.writeHead(204).end();
  });
});

server.listen(0, "127.0.0.1", () => console.log(server.address().port));
