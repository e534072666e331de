package io.cohort.coordinator.monitor;

/**
 * One evaluation: the losses measured on held-out batches of both splits.
 *
 * @param step            the step after which it was measured
 * @param trainLoss       the loss on training batches
 * @param validationLoss  the loss on validation batches
 */
public record EvalPoint(long step, double trainLoss, double validationLoss) {
}
