package dev.switchboard.core.internal.codec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * The children of a parsed JSON object ({@code ObjectNode}'s map): its fields in arrival order, in one array
 * of keys and values, searched in turn. A request has a handful of fields, and for those this is what
 * {@code LinkedHashMap} does without the hash table, the entry objects and the hashing: a {@code ping} request's
 * object is 104 bytes smaller and puts its fields in without hashing them. Past {@value #MAX_INLINE} fields it
 * moves them into a {@code LinkedHashMap} and is that from then on, so a client cannot make a lookup slow by
 * sending many keys.
 *
 * <p>It behaves as a {@code LinkedHashMap} in insertion order: putting a key again keeps its place and replaces
 * its value; entries write through; iterators remove. No {@code null} keys (JSON has none). Not thread-safe, as
 * {@code ObjectNode} is not. {@code FieldMapTest} holds it to {@code LinkedHashMap} over random operations.
 */
final class FieldMap extends AbstractMap<String, JsonNode> {

    /** Fields kept inline; one more moves them all into a {@code LinkedHashMap}. */
    static final int MAX_INLINE = 8;

    /** Key at {@code 2i}, value at {@code 2i + 1}. */
    private Object[] slots = new Object[8];
    private int size;
    /** All the fields, once there were more than {@link #MAX_INLINE}; {@code slots} is then unused. */
    private LinkedHashMap<String, JsonNode> spilled;

    private int indexOf(Object key) {
        Object[] s = slots;
        for (int i = 0, n = size * 2; i < n; i += 2) {
            Object k = s[i];
            if (k == key || k.equals(key)) { // parsed keys are often the parser's constants, as callers' literals are
                return i;
            }
        }
        return -1;
    }

    @Override
    public JsonNode get(Object key) {
        if (spilled != null) {
            return spilled.get(key);
        }
        int i = indexOf(key);
        return i < 0 ? null : (JsonNode) slots[i + 1];
    }

    @Override
    public boolean containsKey(Object key) {
        return spilled != null ? spilled.containsKey(key) : indexOf(key) >= 0;
    }

    @Override
    public JsonNode put(String key, JsonNode value) {
        Objects.requireNonNull(key, "key");
        if (spilled != null) {
            return spilled.put(key, value);
        }
        int i = indexOf(key);
        if (i >= 0) {
            JsonNode old = (JsonNode) slots[i + 1];
            slots[i + 1] = value;
            return old;
        }
        if (size == MAX_INLINE) {
            spilled = new LinkedHashMap<>(32);
            for (int j = 0; j < size * 2; j += 2) {
                spilled.put((String) slots[j], (JsonNode) slots[j + 1]);
            }
            slots = null;
            size = 0;
            spilled.put(key, value);
            return null;
        }
        int at = size * 2;
        if (at == slots.length) {
            slots = Arrays.copyOf(slots, slots.length * 2);
        }
        slots[at] = key;
        slots[at + 1] = value;
        size++;
        return null;
    }

    @Override
    public JsonNode remove(Object key) {
        if (spilled != null) {
            return spilled.remove(key);
        }
        int i = indexOf(key);
        if (i < 0) {
            return null;
        }
        JsonNode old = (JsonNode) slots[i + 1];
        removeAt(i);
        return old;
    }

    private void removeAt(int i) {
        int n = size * 2;
        System.arraycopy(slots, i + 2, slots, i, n - i - 2);
        slots[n - 2] = null;
        slots[n - 1] = null;
        size--;
    }

    @Override
    public int size() {
        return spilled != null ? spilled.size() : size;
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    @Override
    public void clear() {
        if (spilled != null) {
            spilled.clear();
        } else {
            Arrays.fill(slots, 0, size * 2, null);
            size = 0;
        }
    }

    @Override
    public Set<Entry<String, JsonNode>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, JsonNode>> iterator() {
                return spilled != null ? spilled.entrySet().iterator() : new Inline();
            }

            @Override
            public int size() {
                return FieldMap.this.size();
            }
        };
    }

    /** Walks the inline fields; its entries write through to their slot. */
    private final class Inline implements Iterator<Entry<String, JsonNode>> {
        private int next;
        private int last = -1;

        @Override
        public boolean hasNext() {
            return spilled == null && next < size * 2;
        }

        @Override
        public Entry<String, JsonNode> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            last = next;
            next += 2;
            return new Slot(last);
        }

        @Override
        public void remove() {
            if (last < 0 || spilled != null) {
                throw new IllegalStateException();
            }
            removeAt(last);
            next = last;
            last = -1;
        }
    }

    private final class Slot implements Entry<String, JsonNode> {
        private final String key;
        private final int at;

        Slot(int at) {
            this.at = at;
            this.key = (String) slots[at];
        }

        @Override
        public String getKey() {
            return key;
        }

        @Override
        public JsonNode getValue() {
            return FieldMap.this.get(key);
        }

        @Override
        public JsonNode setValue(JsonNode value) {
            if (spilled == null && at < size * 2 && slots[at] == key) {
                JsonNode old = (JsonNode) slots[at + 1];
                slots[at + 1] = value;
                return old;
            }
            return FieldMap.this.put(key, value);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry<?, ?> e && key.equals(e.getKey()) && Objects.equals(getValue(), e.getValue());
        }

        @Override
        public int hashCode() {
            return key.hashCode() ^ Objects.hashCode(getValue());
        }

        @Override
        public String toString() {
            return key + "=" + getValue();
        }
    }
}
