// A Java Lambda handler (RequestHandler of aws-lambda-java-core, the KafkaEvent of
// aws-lambda-java-events) run unmodified by AWS's Java runtime interface client
// (com.amazonaws:aws-lambda-java-runtime-interface-client) under the emulator's Runtime API.
// It writes what it received (values and context) to $OUT_DIR/<request id>.json.
package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.KafkaEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class KafkaHandler implements RequestHandler<KafkaEvent, Map<String, Object>> {
  @Override
  public Map<String, Object> handleRequest(KafkaEvent event, Context context) {
    List<String> values = new ArrayList<>();
    List<String> topics = new ArrayList<>();
    for (List<KafkaEvent.KafkaEventRecord> records : event.getRecords().values()) {
      for (KafkaEvent.KafkaEventRecord r : records) {
        String value = new String(Base64.getDecoder().decode(r.getValue()), StandardCharsets.UTF_8);
        if (value.equals("fail")) throw new IllegalStateException("asked to fail");
        values.add(value);
        topics.add(r.getTopic() + "@" + r.getPartition() + ":" + r.getOffset());
      }
    }
    StringBuilder json = new StringBuilder("{");
    field(json, "event_source", event.getEventSource()).append(',');
    field(json, "request_id", context.getAwsRequestId()).append(',');
    field(json, "arn", context.getInvokedFunctionArn()).append(',');
    field(json, "name", context.getFunctionName()).append(',');
    json.append("\"memory\":").append(context.getMemoryLimitInMB()).append(',');
    json.append("\"remaining_ms\":").append(context.getRemainingTimeInMillis()).append(',');
    json.append("\"values\":[");
    for (int i = 0; i < values.size(); ++i) {
      if (i > 0) json.append(',');
      json.append('"').append(values.get(i)).append('"');
    }
    json.append("],\"records\":").append(topics.size()).append('}');
    try {
      Files.writeString(Path.of(System.getenv("OUT_DIR"), context.getAwsRequestId() + ".json"),
          json.toString());
    } catch (java.io.IOException e) {
      throw new RuntimeException(e);
    }
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("values", values);
    answer.put("records", topics);
    return answer;
  }

  private static StringBuilder field(StringBuilder json, String name, String value) {
    return json.append('"').append(name).append("\":\"").append(value).append('"');
  }
}
