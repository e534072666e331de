/** The report of a run read back from its folder, and its loss plot drawn with JFreeChart. */
package io.cohort.coordinator.report;
