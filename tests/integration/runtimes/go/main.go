// A Go Lambda handler built with AWS's github.com/aws/aws-lambda-go (lambda.Start, the Kafka
// event type of its events package), run unmodified under the emulator's Runtime API. It writes
// what it received (event and context) to $OUT_DIR/<request id>.json. Without OUT_DIR it only
// counts (scripts/bench): the records it has seen, in $COUNT_DIR/<pid>, when that is set; it
// then takes the event as raw JSON and counts its "offset" members, doing per record about what
// the benchmark's compiled HTTP function does, so that the two targets compare the transports.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type seen struct {
	Event       events.KafkaEvent `json:"event"`
	RequestID   string            `json:"request_id"`
	Arn         string            `json:"arn"`
	Name        string            `json:"name"`
	Memory      int               `json:"memory"`
	RemainingMs int64             `json:"remaining_ms"`
	Values      []string          `json:"values"`
}

// Records this environment has seen (lambda.Start calls the handler on one goroutine at a time).
var counted int

func count(event json.RawMessage) (map[string]any, error) {
	counted += bytes.Count(event, []byte(`"offset":`))
	if dir := os.Getenv("COUNT_DIR"); dir != "" {
		file := filepath.Join(dir, strconv.Itoa(os.Getpid()))
		if err := os.WriteFile(file+".tmp", []byte(strconv.Itoa(counted)), 0o644); err != nil {
			return nil, err
		}
		if err := os.Rename(file+".tmp", file); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

func handle(ctx context.Context, event events.KafkaEvent) (map[string]any, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	s := seen{Event: event, RequestID: lc.AwsRequestID, Arn: lc.InvokedFunctionArn,
		Name: lambdacontext.FunctionName, Memory: lambdacontext.MemoryLimitInMB,
		RemainingMs: time.Until(deadline).Milliseconds(), Values: []string{}}
	for _, records := range event.Records {
		for _, r := range records {
			value, err := base64.StdEncoding.DecodeString(r.Value)
			if err != nil {
				return nil, err
			}
			if string(value) == "fail" {
				return nil, errors.New("asked to fail")
			}
			s.Values = append(s.Values, string(value))
		}
	}
	out, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(os.Getenv("OUT_DIR"), lc.AwsRequestID+".json"), out, 0o644); err != nil {
		return nil, err
	}
	return map[string]any{"values": s.Values, "pid": os.Getpid()}, nil
}

func main() {
	if os.Getenv("OUT_DIR") == "" {
		lambda.Start(count)
		return
	}
	lambda.Start(handle)
}
