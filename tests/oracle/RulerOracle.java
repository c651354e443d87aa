// The filter-pattern oracle: AWS's own EventBridge pattern engine (software.amazon.event.ruler,
// Maven Central) judging (pattern, event) pairs. Reads one JSON object per line on stdin,
// {"pattern": "<pattern text>", "event": "<event JSON text>"}, and writes one line per input:
// "1" (matches), "0" (does not) or "E <message>" (the pattern is refused). Launched by
// tests/integration/test_filter_oracle.py as `java -cp JARS RulerOracle.java`.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import software.amazon.event.ruler.Machine;

public class RulerOracle {
  public static void main(String[] args) throws Exception {
    ObjectMapper json = new ObjectMapper();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(System.out, false, "UTF-8");
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.isEmpty()) continue;
      JsonNode pair = json.readTree(line);
      out.println(verdict(pair.get("pattern").asText(), pair.get("event").asText()));
    }
    out.flush();
  }

  static String verdict(String pattern, String event) {
    Machine machine = new Machine();
    try {
      machine.addRule("p", pattern);
    } catch (Exception | Error e) {
      return "E " + String.valueOf(e.getMessage()).replace('\n', ' ');
    }
    try {
      return machine.rulesForJSONEvent(event).isEmpty() ? "0" : "1";
    } catch (Exception | Error e) {
      return "X " + String.valueOf(e.getMessage()).replace('\n', ' ');
    }
  }
}
