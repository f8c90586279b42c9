package dev.switchboard.core.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link FieldMap} against {@code LinkedHashMap}, operation by operation, inline and past the spill. */
class FieldMapTest {

    static final String[] KEYS = new String[14]; // more than MAX_INLINE, so runs cross the spill

    static {
        for (int i = 0; i < KEYS.length; i++) {
            KEYS[i] = "k" + i;
        }
    }

    @Test
    void behavesAsALinkedHashMapOverRandomOperations() {
        int spilled = 0;
        for (long seed = 0; seed < 2_000; seed++) {
            Random r = new Random(seed);
            FieldMap mine = new FieldMap();
            Map<String, JsonNode> ref = new LinkedHashMap<>();
            for (int step = 0; step < 60; step++) {
                // Keys as new strings: equal, not the same object, as a host's lookup would be.
                String key = new String(KEYS[r.nextInt(r.nextBoolean() ? 5 : KEYS.length)]);
                JsonNode value = IntNode.valueOf(r.nextInt(1000));
                String op = switch (r.nextInt(10)) {
                    case 0, 1, 2, 3 -> "put";
                    case 4 -> "remove";
                    case 5 -> "setValue";
                    case 6 -> "iteratorRemove";
                    case 7 -> r.nextInt(20) == 0 ? "clear" : "get";
                    default -> "containsKey";
                };
                switch (op) {
                    case "put" -> assertThat(mine.put(key, value)).isEqualTo(ref.put(key, value));
                    case "remove" -> assertThat(mine.remove(key)).isEqualTo(ref.remove(key));
                    case "get" -> assertThat(mine.get(key)).isEqualTo(ref.get(key));
                    case "containsKey" -> assertThat(mine.containsKey(key)).isEqualTo(ref.containsKey(key));
                    case "clear" -> {
                        mine.clear();
                        ref.clear();
                    }
                    case "setValue" -> {
                        int at = ref.isEmpty() ? -1 : r.nextInt(ref.size());
                        if (at >= 0) {
                            assertThat(nth(mine, at).setValue(value)).isEqualTo(nth(ref, at).setValue(value));
                        }
                    }
                    default -> { // remove the n-th entry through the iterator
                        int at = ref.isEmpty() ? -1 : r.nextInt(ref.size());
                        if (at >= 0) {
                            removeNth(mine, at);
                            removeNth(ref, at);
                        }
                    }
                }
                assertThat(new ArrayList<>(mine.entrySet())).as("seed %d step %d %s", seed, step, op)
                        .isEqualTo(new ArrayList<>(ref.entrySet()));
                assertThat(mine.size()).isEqualTo(ref.size());
                assertThat(mine).isEqualTo(ref);
                assertThat(ref).isEqualTo(mine);
                assertThat(mine.hashCode()).isEqualTo(ref.hashCode());
            }
            spilled += mine.size() > FieldMap.MAX_INLINE ? 1 : 0;
        }
        assertThat(spilled).as("runs that ended spilled").isGreaterThan(100);
    }

    @Test
    void aKeyPutAgainKeepsItsPlaceAndTakesTheLastValue() {
        FieldMap m = new FieldMap();
        m.put("handler", IntNode.valueOf(1));
        m.put("id", IntNode.valueOf(2));
        m.put("handler", IntNode.valueOf(3));
        assertThat(m.keySet()).containsExactly("handler", "id");
        assertThat(m.get("handler")).isEqualTo(IntNode.valueOf(3));
    }

    @Test
    void anObjectNodeOverItSerializesAndComparesAsJacksonsOwn() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        String json = "{\"handler\":\"controller\",\"id\":7,\"module\":\"chat\",\"data\":{\"a\":[1,2,{\"b\":null}],\"c\":\"d\"},"
                + "\"e\":1,\"f\":2,\"g\":3,\"h\":4,\"i\":5,\"j\":6}"; // ten fields: the top object spills
        ObjectNode jackson = (ObjectNode) mapper.readTree(json);
        ObjectNode ours = new ObjectNode(JsonNodeFactory.instance, new FieldMap());
        jackson.properties().forEach(e -> ours.set(e.getKey(), e.getValue()));
        assertThat(mapper.writeValueAsString(ours)).isEqualTo(json);
        assertThat(ours).isEqualTo(jackson);
        assertThat(jackson).isEqualTo(ours);
        ours.retain("handler", "data");
        ours.without("data");
        assertThat(mapper.writeValueAsString(ours)).isEqualTo("{\"handler\":\"controller\"}");
        assertThat(ours.deepCopy()).isEqualTo(ours);
    }

    private static Map.Entry<String, JsonNode> nth(Map<String, JsonNode> m, int n) {
        Iterator<Map.Entry<String, JsonNode>> it = m.entrySet().iterator();
        for (int i = 0; i < n; i++) {
            it.next();
        }
        return it.next();
    }

    private static void removeNth(Map<String, JsonNode> m, int n) {
        Iterator<Map.Entry<String, JsonNode>> it = m.entrySet().iterator();
        for (int i = 0; i < n; i++) {
            it.next();
        }
        it.next();
        it.remove();
        List<String> rest = new ArrayList<>();
        it.forEachRemaining(e -> rest.add(e.getKey())); // the iterator goes on after a removal
        assertThat(rest).hasSize(m.size() - n);
    }
}
