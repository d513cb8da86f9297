/**
 * What the stage engines share: per-request results and input errors, so one bad request never fails its batch.
 */
package dev.ddtstream.gpu.engine;
