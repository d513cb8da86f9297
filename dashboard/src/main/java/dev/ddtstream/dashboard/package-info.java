/**
 * The live dashboard: {@link dev.ddtstream.dashboard.Dashboard} serves one page and a stream of
 * server-sent events that {@link dev.ddtstream.dashboard.LiveFeed} fills from the metrics, image
 * and evaluation topics. Charts are drawn by ECharts, delivered as a WebJar.
 */
package dev.ddtstream.dashboard;
