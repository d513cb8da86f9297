package dev.ddtstream.gpu.engine;

import java.util.NoSuchElementException;

/**
 * The outcome of one request of a batched engine call: a value, or the reason it was refused.
 *
 * @param <T> the engine's output type
 */
public sealed interface ItemResult<T> permits ItemResult.Ok, ItemResult.Failed {

    /** A served request. */
    record Ok<T>(T value) implements ItemResult<T> {
    }

    /** A refused request. */
    record Failed<T>(InputError error) implements ItemResult<T> {
    }

    static <T> ItemResult<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> ItemResult<T> failed(InputError error) {
        return new Failed<>(error);
    }

    default boolean isOk() {
        return this instanceof Ok;
    }

    /** The value; throws if the request failed. */
    default T value() {
        if (this instanceof Ok<T> ok) {
            return ok.value();
        }
        throw new NoSuchElementException("request failed: " + ((Failed<T>) this).error());
    }

    /** The error; throws if the request was served. */
    default InputError error() {
        if (this instanceof Failed<T> f) {
            return f.error();
        }
        throw new NoSuchElementException("request succeeded");
    }
}
