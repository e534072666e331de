package io.cohort.model;

import io.cohort.model.FlatParameters.Init;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The position-wise feed-forward network: a linear layer four times wider than the residual
 * stream, the configured non-linearity, a linear layer back, and dropout.
 *
 * <p>Parameters under {@code prefix}: {@code fc.weight [C, 4C]}, {@code fc.bias [4C]},
 * {@code proj.weight [4C, C]}, {@code proj.bias [C]}.
 */
final class Mlp {

    private Mlp() {
    }

    static void declare(FlatParameters.Builder parameters, String prefix, GptConfig config) {
        long c = config.nEmbd();
        parameters.add(prefix + "fc.weight", Init.NORMAL, c, 4 * c)
                .add(prefix + "fc.bias", Init.ZEROS, 4 * c)
                .add(prefix + "proj.weight", Init.NORMAL, 4 * c, c)
                .add(prefix + "proj.bias", Init.ZEROS, c);
    }

    /** Transforms {@code x}, {@code [B*T, C]}, position by position; same shape out. */
    static SDVariable apply(GptGraph graph, String prefix, SDVariable x) {
        SameDiff sd = graph.sameDiff();

        SDVariable h = sd.nn.linear(x, graph.param(prefix + "fc.weight"),
                graph.param(prefix + "fc.bias"));                               // [B*T, 4C]
        h = activate(sd, graph.config().activation(), h);
        h = sd.nn.linear(h, graph.param(prefix + "proj.weight"),
                graph.param(prefix + "proj.bias"));                             // [B*T, C]
        return graph.dropout(h, graph.sequenceLength(), graph.config().nEmbd());
    }

    private static SDVariable activate(SameDiff sd, GptConfig.Activation activation,
            SDVariable x) {
        return switch (activation) {
            case RELU -> relu(sd, x);
            case GELU -> sd.nn.gelu(x);
            case TANH -> sd.nn.tanh(x);
            case SIGMOID -> sd.nn.sigmoid(x);
        };
    }

    /**
     * ReLU as {@code x * step(x)}: the same values and gradient as {@code sd.nn.relu}, whose
     * backward op runs one lambda call per element and costs about six times as much.
     */
    private static SDVariable relu(SameDiff sd, SDVariable x) {
        return x.mul(sd.math.step(x, 0.0));
    }
}
