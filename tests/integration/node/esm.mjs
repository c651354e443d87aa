// Calls one Lambda operation through @aws-sdk/client-lambda and prints the outcome as JSON.
// argv[2]: {"endpoint": URL, "region": R, "op": "CreateEventSourceMapping", "params": {...},
//           "paginate": PAGE_SIZE (optional, ListEventSourceMappings only),
//           "credentials": {"accessKeyId": ..., "secretAccessKey": ...} (optional)}
import * as lambda from "@aws-sdk/client-lambda";

const req = JSON.parse(process.argv[2]);
const client = new lambda.LambdaClient({
  endpoint: req.endpoint,
  region: req.region || "us-east-1",
  credentials: req.credentials || { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});

function plain(value) {
  return JSON.parse(JSON.stringify(value, (k, v) => (k === "$metadata" ? undefined : v)));
}

try {
  if (req.paginate) {
    const pages = [];
    for await (const page of lambda.paginateListEventSourceMappings({ client, pageSize: req.paginate }, req.params)) {
      pages.push(plain(page));
    }
    console.log(JSON.stringify({ result: { pages } }));
  } else {
    const Command = lambda[`${req.op}Command`];
    const out = await client.send(new Command(req.params));
    console.log(JSON.stringify({ result: plain(out), status: out.$metadata.httpStatusCode }));
  }
} catch (e) {
  console.log(JSON.stringify({ error: { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode } }));
}
