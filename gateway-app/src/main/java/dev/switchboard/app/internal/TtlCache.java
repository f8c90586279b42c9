package dev.switchboard.app.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small bounded map whose entries expire: oldest-inserted first out when full. Synchronized: the critical
 * sections are a hash lookup or insert, shorter than any lock-free alternative would save.
 */
public final class TtlCache<K, V> {

    private final long ttlNanos;
    private final int maxEntries;
    private final LinkedHashMap<K, Entry<V>> map;

    public TtlCache(long ttlNanos, int maxEntries) {
        this.ttlNanos = ttlNanos;
        this.maxEntries = maxEntries;
        this.map = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Entry<V>> eldest) {
                return size() > TtlCache.this.maxEntries;
            }
        };
    }

    /** Returns the live value for {@code key}, or {@code null}. */
    public synchronized V get(K key, long nowNanos) {
        Entry<V> e = map.get(key);
        if (e == null) {
            return null;
        }
        if (nowNanos - e.expiresAt >= 0) {
            map.remove(key);
            return null;
        }
        return e.value;
    }

    /** Stores {@code value} for the configured time from {@code nowNanos}. */
    public synchronized void put(K key, V value, long nowNanos) {
        map.remove(key); // re-inserting moves it to the young end, so eviction stays oldest-first
        map.put(key, new Entry<>(value, nowNanos + ttlNanos));
    }

    public synchronized int size() {
        return map.size();
    }

    private record Entry<V>(V value, long expiresAt) {
    }
}
