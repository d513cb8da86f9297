package dev.ddtstream.gpu.runtime;

import java.util.Locale;
import java.util.Objects;

/**
 * Where ONNX Runtime runs a session: {@code cpu}, {@code cuda:N} (CUDA execution provider on
 * device N; plain {@code cuda} means {@code cuda:0}) or {@code auto} (CUDA device 0 when the
 * provider loads, else CPU).
 */
public record DeviceSpec(Kind kind, int index) {

    /** The three device choices of the configuration. */
    public enum Kind { CPU, CUDA, AUTO }

    public static final DeviceSpec CPU = new DeviceSpec(Kind.CPU, 0);
    public static final DeviceSpec AUTO = new DeviceSpec(Kind.AUTO, 0);

    public DeviceSpec {
        Objects.requireNonNull(kind, "kind");
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0, got " + index);
        }
        if (kind != Kind.CUDA && index != 0) {
            throw new IllegalArgumentException("only cuda devices take an index, got " + kind + ":" + index);
        }
    }

    public static DeviceSpec cuda(int index) {
        return new DeviceSpec(Kind.CUDA, index);
    }

    /** Parses {@code cpu}, {@code cuda}, {@code cuda:N} or {@code auto} (case-insensitive). */
    public static DeviceSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("device must be one of cpu, cuda:N, auto; got an empty value");
        }
        String s = text.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "cpu":
                return CPU;
            case "auto":
                return AUTO;
            case "cuda":
                return cuda(0);
            default:
                if (s.startsWith("cuda:")) {
                    try {
                        return cuda(Integer.parseInt(s.substring(5)));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("bad cuda device index in '" + text + "' (expected cuda:N, N >= 0)", e);
                    }
                }
                throw new IllegalArgumentException("device must be one of cpu, cuda:N, auto; got '" + text + "'");
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case CPU -> "cpu";
            case AUTO -> "auto";
            case CUDA -> "cuda:" + index;
        };
    }
}
