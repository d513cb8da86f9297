package dev.ddtstream.bundle;

import java.util.List;
import java.util.Optional;

/**
 * One ONNX graph of the bundle as the manifest declares it (key such as {@code encoder});
 * {@code sha256} may be null and {@code bytes} -1 when the manifest omits them.
 */
public record GraphSpec(String key, String file, List<TensorSpec> inputs, List<TensorSpec> outputs, String sha256,
                        long bytes) {

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
