package dev.switchboard.core.internal.codec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.AbstractCollection;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;

/**
 * The children of a parsed JSON object ({@code ObjectNode}'s map): its fields in arrival order, in one array
 * of keys and values, searched in turn. A request has a handful of fields, and for those this is what
 * {@code LinkedHashMap} does without the hash table, the entry objects and the hashing: a {@code ping} request's
 * object is 104 bytes smaller and puts its fields in without hashing them. Past {@value #MAX_INLINE} fields it
 * moves them into a {@code LinkedHashMap} and is that from then on, so a client cannot make a lookup slow by
 * sending many keys.
 *
 * <p>It behaves as a {@code LinkedHashMap} in insertion order: putting a key again keeps its place and replaces
 * its value; an entry writes through while its field is in the map; iterators remove, fail fast on a change made
 * around them, and split in order. One difference: an entry whose field was removed keeps the value it was last
 * read or written with (so {@code e = it.next(); it.remove(); other.set(e.getKey(), e.getValue())} moves the
 * field), where a {@code LinkedHashMap} entry keeps the value the field had when it was removed; and an entry
 * finds its field by the key object, so if that same object is put back before or at the entry's old place, the
 * old entry writes through to the new field (a {@code LinkedHashMap} entry would not). Both are within the
 * {@code Map.Entry} contract, which leaves an entry undefined once its field is removed.
 *
 * <p>No {@code null} keys (JSON has none). Not thread-safe, as {@code ObjectNode} is not. {@code FieldMapTest}
 * holds it to {@code LinkedHashMap} over random operations.
 */
final class FieldMap extends AbstractMap<String, JsonNode> {

    /** Fields kept inline; one more moves them all into a {@code LinkedHashMap}. */
    static final int MAX_INLINE = 8;

    /** Key at {@code 2i}, value at {@code 2i + 1}. */
    private Object[] slots = new Object[8];
    private int size;
    /** All the fields, once there were more than {@link #MAX_INLINE}; {@code slots} is then unused. */
    private LinkedHashMap<String, JsonNode> spilled;
    /** Structural changes (a field added or removed, a spill), for the iterators to fail fast. */
    private int modCount;

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
        modCount++;
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
        modCount++;
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
            modCount++;
            Arrays.fill(slots, 0, size * 2, null);
            size = 0;
        }
    }

    @Override
    public Set<Entry<String, JsonNode>> entrySet() {
        return new View<>() {
            @Override
            public Iterator<Entry<String, JsonNode>> iterator() {
                return spilled != null ? spilled.entrySet().iterator() : new Inline();
            }
        };
    }

    /** The keys in order (the default view would split without {@code ORDERED}). */
    @Override
    public Set<String> keySet() {
        return new View<>() {
            @Override
            public Iterator<String> iterator() {
                return each(Entry::getKey);
            }

            @Override
            public boolean contains(Object o) {
                return containsKey(o);
            }

            @Override
            public boolean remove(Object o) {
                int before = FieldMap.this.size();
                FieldMap.this.remove(o);
                return FieldMap.this.size() != before;
            }
        };
    }

    /** A set view of the map's fields, as big as the map, split in order. */
    private abstract class View<T> extends AbstractSet<T> {
        @Override
        public int size() {
            return FieldMap.this.size();
        }

        @Override
        public Spliterator<T> spliterator() {
            return Spliterators.spliterator(this, Spliterator.ORDERED | Spliterator.DISTINCT | Spliterator.NONNULL);
        }
    }

    /** The values in order. */
    @Override
    public Collection<JsonNode> values() {
        return new AbstractCollection<>() {
            @Override
            public Iterator<JsonNode> iterator() {
                return each(Entry::getValue);
            }

            @Override
            public int size() {
                return FieldMap.this.size();
            }

            @Override
            public Spliterator<JsonNode> spliterator() {
                return Spliterators.spliterator(this, Spliterator.ORDERED);
            }
        };
    }

    /** An iterator over one part of each entry, in order, that removes through the entries' iterator. */
    private <T> Iterator<T> each(java.util.function.Function<Entry<String, JsonNode>, T> part) {
        Iterator<Entry<String, JsonNode>> it = entrySet().iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public T next() {
                return part.apply(it.next());
            }

            @Override
            public void remove() {
                it.remove();
            }
        };
    }

    /** Walks the inline fields; its entries write through to their slot. */
    private final class Inline implements Iterator<Entry<String, JsonNode>> {
        private int next;
        /** Where the fields it walks end: the map's end when it started, less what it removed itself. */
        private int end = size * 2;
        private int last = -1;
        private int expected = modCount;

        @Override
        public boolean hasNext() {
            return next < end; // as LinkedHashMap's: a change around it shows in next(), which throws
        }

        @Override
        public Entry<String, JsonNode> next() {
            if (expected != modCount) {
                throw new ConcurrentModificationException();
            }
            if (next >= end) {
                throw new NoSuchElementException();
            }
            last = next;
            next += 2;
            return new Slot(last);
        }

        @Override
        public void remove() {
            if (last < 0) {
                throw new IllegalStateException();
            }
            if (expected != modCount) {
                throw new ConcurrentModificationException();
            }
            removeAt(last);
            expected = modCount;
            next = last;
            end -= 2;
            last = -1;
        }
    }

    /**
     * One field as the iterator found it. Like a {@code LinkedHashMap} entry it writes through while its field is in
     * the map (found where it was, or where it moved to when fields before it were removed); once the field is
     * removed it keeps the value it last read or wrote.
     */
    private final class Slot implements Entry<String, JsonNode> {
        private final String key;
        private final int at;
        private JsonNode value;

        Slot(int at) {
            this.at = at;
            this.key = (String) slots[at];
            this.value = (JsonNode) slots[at + 1];
        }

        @Override
        public String getKey() {
            return key;
        }

        @Override
        public JsonNode getValue() {
            int i = where();
            if (i >= 0) {
                value = (JsonNode) slots[i + 1];
            } else if (spilled != null && spilled.containsKey(key)) {
                value = spilled.get(key);
            }
            return value;
        }

        @Override
        public JsonNode setValue(JsonNode v) {
            JsonNode old = getValue();
            value = v;
            int i = where();
            if (i >= 0) {
                slots[i + 1] = v;
            } else if (spilled != null && spilled.containsKey(key)) {
                spilled.put(key, v); // in place: the field keeps its position
            }
            return old;
        }

        /** The slot this field is in now, found by its key object (at its old place or before it), or -1. */
        private int where() {
            if (spilled != null) {
                return -1;
            }
            if (at < size * 2 && slots[at] == key) {
                return at;
            }
            for (int i = 0, n = Math.min(at, size * 2); i < n; i += 2) {
                if (slots[i] == key) {
                    return i;
                }
            }
            return -1;
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
