package dev.ddtstream.client.api;

import dev.ddtstream.schemas.PayloadLimit;

/** The request's image is larger than the deployment's payload limit: it was not sent. */
public final class PayloadTooLargeException extends IllegalArgumentException {

    public PayloadTooLargeException(String requestId, int imageBytes, PayloadLimit limit) {
        super("request " + requestId + ": the image has " + imageBytes + " bytes, more than the payload limit of "
                + limit.maxImageBytes() + " bytes (" + PayloadLimit.KEY + "); it was not sent");
    }
}
