package dev.ddtstream.bundle;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The synthetic world a tiny bundle was trained on (manifest {@code world}): what an evaluator
 * needs to read its scenes. Bundles of real models have none.
 *
 * @param background     RGB of the empty background
 * @param palette        colour name to RGB, in the manifest's order
 * @param shapes         shape names
 * @param halfExtents    size name ({@code small}, {@code large}) to half-extent as a fraction of the side
 * @param relations      relation phrases ({@code left of}, ...)
 */
public record SyntheticWorld(int[] background, Map<String, int[]> palette, List<String> shapes,
                             Map<String, Double> halfExtents, List<String> relations) implements Serializable {

    private static final long serialVersionUID = 1L;

    public SyntheticWorld {
        background = background.clone();
        palette = new LinkedHashMap<>(palette); // keeps the manifest's order, and stays serializable
        shapes = List.copyOf(shapes);
        halfExtents = new LinkedHashMap<>(halfExtents);
        relations = List.copyOf(relations);
    }

    /** Half-extent of a size by name, as a fraction of the side. */
    public double halfExtent(String size) {
        Double h = halfExtents.get(size);
        if (h == null) {
            throw new IllegalArgumentException("the world has no size '" + size + "' " + halfExtents.keySet());
        }
        return h;
    }
}
