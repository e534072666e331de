/**
 * The web dashboard served from the coordinator's actor system with Pekko HTTP: one page drawn
 * with uPlot, a JSON API, a stream of change events, token-guarded controls, and Prometheus
 * metrics.
 */
package io.cohort.coordinator.dashboard;
