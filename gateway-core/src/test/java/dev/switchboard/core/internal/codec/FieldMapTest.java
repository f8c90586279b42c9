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
            // Entries taken from an iteration and kept across later changes, with LinkedHashMap's counterparts.
            List<Map.Entry<String, JsonNode>> heldMine = new ArrayList<>();
            List<Map.Entry<String, JsonNode>> heldRef = new ArrayList<>();
            boolean everSpilled = false;
            for (int step = 0; step < 60; step++) {
                // Keys as new strings: equal, not the same object, as a host's lookup would be.
                String key = new String(KEYS[r.nextInt(r.nextBoolean() ? 5 : KEYS.length)]);
                JsonNode value = IntNode.valueOf(r.nextInt(1000));
                String op = switch (r.nextInt(13)) {
                    case 0, 1, 2, 3 -> "put";
                    case 4 -> "remove";
                    case 5 -> "setValue";
                    case 6 -> "iteratorRemove";
                    case 7 -> r.nextInt(20) == 0 ? "clear" : "get";
                    case 8 -> "hold";
                    case 9 -> "get";
                    case 10 -> "heldSet";
                    case 11 -> "viewRemove";
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
                    case "hold" -> {
                        int at = ref.isEmpty() ? -1 : r.nextInt(ref.size());
                        // One held entry per field: LinkedHashMap's entries are its nodes, so two taken from one
                        // field are one object, which a value set through one shows through the other even once
                        // the field is removed (an identity no user of a map can count on).
                        Map.Entry<String, JsonNode> e = at < 0 ? null : nth(ref, at);
                        if (e != null && heldRef.stream().noneMatch(h -> h == e)) {
                            heldMine.add(nth(mine, at));
                            heldRef.add(e);
                        }
                    }
                    case "heldSet" -> {
                        if (!heldRef.isEmpty()) {
                            int i = r.nextInt(heldRef.size());
                            assertThat(heldMine.get(i).setValue(value)).isEqualTo(heldRef.get(i).setValue(value));
                        }
                    }
                    case "viewRemove" -> {
                        switch (r.nextInt(3)) {
                            case 0 -> assertThat(mine.keySet().remove(key)).isEqualTo(ref.keySet().remove(key));
                            case 1 -> assertThat(mine.values().remove(value)).isEqualTo(ref.values().remove(value));
                            default -> {
                                int cut = r.nextInt(1000);
                                assertThat(mine.entrySet().removeIf(e -> e.getValue().asInt() < cut))
                                        .isEqualTo(ref.entrySet().removeIf(e -> e.getValue().asInt() < cut));
                            }
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
                if (mine.size() > FieldMap.MAX_INLINE) {
                    everSpilled = true;
                    // Past the spill the fields live in a LinkedHashMap of their own: an entry taken before it
                    // writes through by key, which differs from LinkedHashMap only for a field removed and put again.
                    heldMine.clear();
                    heldRef.clear();
                }
                // Held entries are read after every step: one whose field is removed keeps the value it was last
                // read with, where LinkedHashMap's keeps the value the field had (FieldMap's javadoc).
                for (int i = 0; i < heldRef.size(); i++) {
                    assertThat(heldMine.get(i).getValue()).as("held entry %d, seed %d step %d", i, seed, step)
                            .isEqualTo(heldRef.get(i).getValue());
                    assertThat(heldMine.get(i)).isEqualTo(heldRef.get(i));
                }
                assertThat(new ArrayList<>(mine.keySet())).isEqualTo(new ArrayList<>(ref.keySet()));
                assertThat(new ArrayList<>(mine.values())).isEqualTo(new ArrayList<>(ref.values()));
            }
            spilled += everSpilled ? 1 : 0;
        }
        assertThat(spilled).as("runs that spilled").isGreaterThan(100);
    }

    @Test
    void aChangeAroundAnIterationFailsItAsLinkedHashMapDoes() {
        for (int fields : new int[] {3, FieldMap.MAX_INLINE}) { // inline, and a put that spills
            FieldMap m = new FieldMap();
            for (int i = 0; i < fields; i++) {
                m.put(KEYS[i], IntNode.valueOf(i));
            }
            Iterator<Map.Entry<String, JsonNode>> it = m.entrySet().iterator();
            it.next();
            m.put("new", IntNode.valueOf(9));
            org.assertj.core.api.Assertions.assertThatThrownBy(it::next)
                    .isInstanceOf(java.util.ConcurrentModificationException.class);
        }
        FieldMap m = new FieldMap();
        m.put("a", IntNode.valueOf(1));
        m.put("b", IntNode.valueOf(2));
        Iterator<String> keys = m.keySet().iterator();
        keys.next();
        m.remove("a");
        org.assertj.core.api.Assertions.assertThatThrownBy(keys::next)
                .isInstanceOf(java.util.ConcurrentModificationException.class);
        Iterator<String> done = m.keySet().iterator();
        done.next();
        m.put("c", IntNode.valueOf(5)); // past the end of a finished walk: it ends, as LinkedHashMap's does
        assertThat(done.hasNext()).isFalse();
        m.remove("c");
        m.put("a", IntNode.valueOf(3)); // a value replaced is not a change of structure
        Iterator<String> again = m.keySet().iterator();
        again.next();
        m.put("b", IntNode.valueOf(4));
        assertThat(again.next()).isEqualTo("a");
    }

    @Test
    void streamsOfItsViewsAreOrdered() {
        FieldMap m = new FieldMap();
        m.put("b", IntNode.valueOf(1));
        m.put("a", IntNode.valueOf(2));
        assertThat(m.entrySet().spliterator().hasCharacteristics(java.util.Spliterator.ORDERED)).isTrue();
        assertThat(m.keySet().spliterator().hasCharacteristics(java.util.Spliterator.ORDERED)).isTrue();
        assertThat(m.values().spliterator().hasCharacteristics(java.util.Spliterator.ORDERED)).isTrue();
        assertThat(m.keySet().stream().toList()).containsExactly("b", "a");
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

        ObjectNode small = new ObjectNode(JsonNodeFactory.instance, new FieldMap()); // inline all along
        ObjectNode smallJackson = (ObjectNode) mapper.readTree("{\"handler\":\"ping\",\"id\":1,\"data\":{\"x\":[1]}}");
        smallJackson.properties().forEach(e -> small.set(e.getKey(), e.getValue()));
        assertThat(small.deepCopy()).isEqualTo(smallJackson);
        assertThat(small.propertyStream().map(Map.Entry::getKey).toList()).containsExactly("handler", "id", "data");
        small.retain("handler", "data");
        small.without("data");
        small.remove("nothing");
        assertThat(mapper.writeValueAsString(small)).isEqualTo("{\"handler\":\"ping\"}");
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
