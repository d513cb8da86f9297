package dev.ddtstream.bundle;

import java.nio.file.Path;

/**
 * A bundle that cannot be served: missing file, checksum mismatch, manifest field missing or
 * malformed, or a graph whose real inputs/outputs differ from what the manifest declares.
 * The message names the file and the field.
 */
public final class BundleException extends RuntimeException {

    private final transient Path file;
    private final String field;

    public BundleException(Path file, String field, String problem) {
        this(file, field, problem, null);
    }

    public BundleException(Path file, String field, String problem, Throwable cause) {
        super("bundle refused: " + file + (field == null ? "" : " [" + field + "]") + ": " + problem, cause);
        this.file = file;
        this.field = field;
    }

    /** The file at fault (manifest, ONNX graph or tokenizer file). */
    public Path file() {
        return file;
    }

    /** The manifest field or graph input/output at fault, or null. */
    public String field() {
        return field;
    }
}
