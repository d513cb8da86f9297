package dev.ddtstream.gpu.engine;

/** The model itself failed (ONNX Runtime error): the whole batch call failed, not one request's input. */
public final class EngineException extends RuntimeException {
    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
