#!/bin/sh
# A custom runtime's bootstrap in shell, as AWS's tutorial writes one: it polls the Runtime API
# with curl, writes each event to $OUT_DIR/<request id>.json and answers with the function's name.
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
HEADERS="$(mktemp)"
trap 'rm -f "$HEADERS"' EXIT
while true; do
  curl -sS -D "$HEADERS" -o "$OUT_DIR/next.json" "$API/invocation/next"
  ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$HEADERS" | cut -d: -f2 | tr -d '[:space:]')
  DEADLINE=$(grep -i '^Lambda-Runtime-Deadline-Ms:' "$HEADERS" | cut -d: -f2 | tr -d '[:space:]')
  mv "$OUT_DIR/next.json" "$OUT_DIR/$ID.json"
  echo "bootstrap got $ID" >&2
  curl -sS -X POST "$API/invocation/$ID/response" \
    -d "{\"function\":\"$AWS_LAMBDA_FUNCTION_NAME\",\"deadline\":$DEADLINE,\"handler\":\"$_HANDLER\"}" >/dev/null
done
