/**
 * The Java client: {@link dev.ddtstream.client.api.DdtClient} publishes requests and completes a
 * future with each request's one terminal result.
 */
package dev.ddtstream.client.api;
