package io.cohort.coordinator.report;

import io.cohort.coordinator.monitor.Downsampler;
import io.cohort.coordinator.monitor.EvalPoint;
import io.cohort.coordinator.monitor.StepRecord;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws a run's loss against step as a PNG, without a display: the train loss of every step
 * (averaged over buckets on long runs), and the train and validation losses of each evaluation.
 */
public final class LossPlot {

    /** The plot's width in pixels. */
    public static final int WIDTH = 1000;
    /** The plot's height in pixels. */
    public static final int HEIGHT = 600;

    private static final int MAX_STEP_POINTS = 2000;

    private LossPlot() {
    }

    /**
     * Writes the plot to {@code png}, through a temporary file renamed into place.
     *
     * @return {@code png}
     * @throws UncheckedIOException naming the file when it cannot be written
     */
    public static Path write(Path png, List<StepRecord> steps, List<EvalPoint> evals) {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        JFreeChart chart = chart(steps, evals);
        Path temporary = png.resolveSibling(png.getFileName() + ".tmp");
        try {
            ChartUtils.saveChartAsPNG(temporary.toFile(), chart, WIDTH, HEIGHT);
            Files.move(temporary, png, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            return png;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the loss plot " + png + ": " + e, e);
        }
    }

    private static JFreeChart chart(List<StepRecord> steps, List<EvalPoint> evals) {
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(trainSeries(steps));
        XYSeries evalTrain = new XYSeries("train loss (evaluation)", false, true);
        XYSeries validation = new XYSeries("validation loss", false, true);
        for (EvalPoint e : evals) {
            evalTrain.add(e.step(), e.trainLoss());
            validation.add(e.step(), e.validationLoss());
        }
        data.addSeries(evalTrain);
        data.addSeries(validation);
        JFreeChart chart = ChartFactory.createXYLineChart("Loss", "step", "loss", data,
                PlotOrientation.VERTICAL, true, false, false);
        style(chart);
        return chart;
    }

    private static XYSeries trainSeries(List<StepRecord> steps) {
        long[] step = new long[steps.size()];
        double[] loss = new double[steps.size()];
        for (int i = 0; i < step.length; i++) {
            step[i] = steps.get(i).step();
            loss[i] = steps.get(i).loss();
        }
        int[] buckets = Downsampler.buckets(0, step.length, MAX_STEP_POINTS);
        long[] x = Downsampler.last(step, buckets);
        double[] y = Downsampler.mean(loss, buckets);
        XYSeries train = new XYSeries("train loss (per step)", false, true);
        for (int i = 0; i < x.length; i++) {
            train.add(x[i], y[i]);
        }
        return train;
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xE5E7EB));
        plot.setRangeGridlinePaint(new Color(0xE5E7EB));
        plot.getRangeAxis().setAutoRange(true);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
        Ellipse2D.Double dot = new Ellipse2D.Double(-3, -3, 6, 6);
        renderer.setSeriesPaint(0, new Color(0x2563EB));
        renderer.setSeriesStroke(0, new BasicStroke(1.2f));
        renderer.setSeriesShapesVisible(0, false);
        renderer.setSeriesPaint(1, new Color(0x059669));
        renderer.setSeriesStroke(1, new BasicStroke(2f));
        renderer.setSeriesShape(1, dot);
        renderer.setSeriesPaint(2, new Color(0xD97706));
        renderer.setSeriesStroke(2, new BasicStroke(2f));
        renderer.setSeriesShape(2, dot);
        plot.setRenderer(renderer);
    }
}
