package dev.ddtstream.bundle;

import java.util.List;
import java.util.Optional;

/**
 * One ONNX graph of the bundle as the manifest declares it (key such as {@code encoder});
 * {@code sha256} may be null and {@code bytes} -1 when the manifest omits them. A graph too large
 * for one protobuf keeps its weights in {@code externalData}, a file beside it; null when none.
 */
public record GraphSpec(String key, String file, List<TensorSpec> inputs, List<TensorSpec> outputs, String sha256,
                        long bytes, ExternalData externalData) {

    /** The file holding a graph's weights (ONNX external data), with its checksum and size as for the graph. */
    public record ExternalData(String file, String sha256, long bytes) {
    }

    public GraphSpec {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    public Optional<TensorSpec> input(String name) {
        return inputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public Optional<TensorSpec> output(String name) {
        return outputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
