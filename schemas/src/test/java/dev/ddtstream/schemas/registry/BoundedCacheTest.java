package dev.ddtstream.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class BoundedCacheTest {

    @Test
    void staysWithinCapacityAndKeepsTheNewestEntry() {
        BoundedCache<Integer, String> cache = new BoundedCache<>(3);
        for (int i = 0; i < 100; i++) {
            cache.put(i, "v" + i);
        }
        assertEquals(3, cache.size());
        assertEquals("v99", cache.get(99));
    }

    @Test
    void replacingAnEntryEvictsNothing() {
        BoundedCache<Integer, String> cache = new BoundedCache<>(2);
        cache.put(1, "a");
        cache.put(2, "b");
        cache.put(2, "c");
        assertEquals("a", cache.get(1));
        assertEquals("c", cache.get(2));
    }

    @Test
    void capacityMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new BoundedCache<>(0));
    }
}
