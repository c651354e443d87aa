// A Node.js Lambda handler run unmodified by AWS's runtime interface client (aws-lambda-ric)
// under the emulator's Runtime API: `aws-lambda-ric index.handler`, as Lambda's nodejs runtimes
// start it. It writes what it received (event and context) to $OUT_DIR/<request id>.json.
"use strict";
const fs = require("fs");
const path = require("path");

exports.handler = async (event, context) => {
  const values = [];
  const records = [];
  for (const batch of Object.values(event.records || {})) {
    for (const r of batch) {
      const value = Buffer.from(r.value, "base64").toString();
      if (value === "fail") throw new TypeError("asked to fail");
      values.push(value);
      records.push(`${r.topic}@${r.partition}:${r.offset}`);
    }
  }
  const seen = {
    event, values, request_id: context.awsRequestId, arn: context.invokedFunctionArn,
    name: context.functionName, memory: Number(context.memoryLimitInMB),
    remaining_ms: context.getRemainingTimeInMillis(), log_group: context.logGroupName,
  };
  fs.writeFileSync(path.join(process.env.OUT_DIR, `${context.awsRequestId}.json`), JSON.stringify(seen));
  console.log(`handled ${values.length} record(s)`);
  return { values, records };
};
