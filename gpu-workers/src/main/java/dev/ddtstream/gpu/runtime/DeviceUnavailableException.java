package dev.ddtstream.gpu.runtime;

/** The configured device cannot be used (e.g. {@code cuda:0} where CUDA does not load): a start-up error. */
public final class DeviceUnavailableException extends RuntimeException {
    public DeviceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
