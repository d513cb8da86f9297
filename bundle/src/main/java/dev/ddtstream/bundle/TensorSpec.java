package dev.ddtstream.bundle;

import java.util.List;

/**
 * One declared graph input or output: name, element type and shape, where each dimension is
 * either a fixed size or a symbolic name such as {@code batch}.
 */
public record TensorSpec(String name, ElementType dtype, List<Dim> shape) {

    /** Element types the bundle format uses. */
    public enum ElementType {
        FLOAT32, INT64;

        static ElementType parse(String s) {
            return switch (s) {
                case "float32" -> FLOAT32;
                case "int64" -> INT64;
                default -> null;
            };
        }

        @Override
        public String toString() {
            return this == FLOAT32 ? "float32" : "int64";
        }
    }

    /** A dimension: {@code symbol != null} means dynamic, else {@code size} is fixed. */
    public record Dim(long size, String symbol) {
        public boolean isSymbolic() {
            return symbol != null;
        }

        @Override
        public String toString() {
            return isSymbolic() ? symbol : Long.toString(size);
        }
    }

    public TensorSpec {
        shape = List.copyOf(shape);
    }

    public int rank() {
        return shape.size();
    }

    /** Fixed size of dimension {@code i}, or -1 when symbolic. */
    public long staticDim(int i) {
        Dim d = shape.get(i);
        return d.isSymbolic() ? -1 : d.size();
    }
}
