package io.cohort.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A test fixture for the {@link LanguageModel} contract: the logits of the next token are a
 * fixed row of a {@code [vocab, vocab]} table, chosen by the last token of the context. Loss
 * and gradient are computed exactly, in doubles, in plain Java, from the current parameters;
 * {@link #nextTokenLogits} reads the table given at construction. It counts its calls, and
 * records the longest context it was given.
 */
final class TableLanguageModel implements LanguageModel {

    private final int vocabSize;
    private final int blockSize;
    private final INDArray parameters;
    private final INDArray gradients;
    private final float[][] table;
    private int lossCalls;
    private int forwardBackwardCalls;
    private int longestContext;

    /** A model whose logits after token {@code i} are {@code table[i]}. */
    TableLanguageModel(float[][] table, int blockSize) {
        this.vocabSize = table.length;
        this.table = table;
        this.blockSize = blockSize;
        float[] flat = new float[vocabSize * vocabSize];
        for (int i = 0; i < vocabSize; i++) {
            System.arraycopy(table[i], 0, flat, i * vocabSize, vocabSize);
        }
        this.parameters = Nd4j.createFromArray(flat);
        this.gradients = Nd4j.zeros(DataType.FLOAT, flat.length);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public long parameterCount() {
        return parameters.length();
    }

    @Override
    public INDArray parameters() {
        return parameters;
    }

    @Override
    public INDArray gradients() {
        return gradients;
    }

    @Override
    public float forwardBackward(Batch batch) {
        forwardBackwardCalls++;
        float[] table = parameters.toFloatVector();
        float[] grad = new float[table.length];
        int n = batch.inputs().length;
        for (int i = 0; i < n; i++) {
            double[] p = softmax(table, batch.inputs()[i]);
            for (int j = 0; j < vocabSize; j++) {
                double indicator = j == batch.targets()[i] ? 1.0 : 0.0;
                grad[batch.inputs()[i] * vocabSize + j] += (float) ((p[j] - indicator) / n);
            }
        }
        gradients.assign(Nd4j.createFromArray(grad));
        return (float) meanLoss(table, batch);
    }

    @Override
    public float loss(Batch batch) {
        lossCalls++;
        return (float) meanLoss(parameters.toFloatVector(), batch);
    }

    @Override
    public float[] nextTokenLogits(int[] context) {
        longestContext = Math.max(longestContext, context.length);
        return table[context[context.length - 1]].clone();
    }

    @Override
    public void close() {
        parameters.close();
        gradients.close();
    }

    int lossCalls() {
        return lossCalls;
    }

    int forwardBackwardCalls() {
        return forwardBackwardCalls;
    }

    int longestContext() {
        return longestContext;
    }

    private double meanLoss(float[] table, Batch batch) {
        double sum = 0.0;
        for (int i = 0; i < batch.inputs().length; i++) {
            sum -= Math.log(softmax(table, batch.inputs()[i])[batch.targets()[i]]);
        }
        return sum / batch.inputs().length;
    }

    private double[] softmax(float[] table, int row) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < vocabSize; j++) {
            max = Math.max(max, table[row * vocabSize + j]);
        }
        double[] p = new double[vocabSize];
        double total = 0.0;
        for (int j = 0; j < vocabSize; j++) {
            p[j] = Math.exp(table[row * vocabSize + j] - max);
            total += p[j];
        }
        for (int j = 0; j < vocabSize; j++) {
            p[j] /= total;
        }
        return p;
    }
}
