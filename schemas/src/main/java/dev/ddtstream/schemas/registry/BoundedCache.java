package dev.ddtstream.schemas.registry;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A concurrent map that stays near a maximum size by dropping an arbitrary entry when full.
 *
 * <p>Not an LRU on purpose: lookups sit on the per-record hot path of every serializer and
 * deserializer, and an application uses a handful of schemas, so the bound is only a guard
 * against unbounded growth (e.g. schemas generated at run time); precise recency is not worth a
 * lock. Concurrent puts may overshoot the bound by a few entries.
 */
final class BoundedCache<K, V> {

    private final ConcurrentHashMap<K, V> entries = new ConcurrentHashMap<>();
    private final int capacity;

    BoundedCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("cache capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    V get(K key) {
        return entries.get(key);
    }

    void put(K key, V value) {
        if (entries.size() >= capacity && !entries.containsKey(key)) {
            Iterator<K> victims = entries.keySet().iterator();
            if (victims.hasNext()) {
                victims.next();
                victims.remove();
            }
        }
        entries.put(key, value);
    }

    int size() {
        return entries.size();
    }
}
