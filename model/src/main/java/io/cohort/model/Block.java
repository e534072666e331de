package io.cohort.model;

import io.cohort.model.FlatParameters.Init;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * One transformer block: self-attention then the feed-forward network, each inside a residual
 * connection, with LayerNorm after each sum ({@link GptConfig.Norm#POST}, the course's layout)
 * or before each branch ({@link GptConfig.Norm#PRE}, GPT-2's).
 *
 * <p>Parameters under {@code prefix}: {@code ln1.gain}, {@code ln1.bias}, {@code attn.*},
 * {@code ln2.gain}, {@code ln2.bias}, {@code mlp.*}.
 */
final class Block {

    private Block() {
    }

    static void declare(FlatParameters.Builder parameters, String prefix, GptConfig config) {
        declareLayerNorm(parameters, prefix + "ln1.", config);
        CausalSelfAttention.declare(parameters, prefix + "attn.", config);
        declareLayerNorm(parameters, prefix + "ln2.", config);
        Mlp.declare(parameters, prefix + "mlp.", config);
    }

    /** Runs the block on {@code x}, {@code [B*T, C]}; same shape out. */
    static SDVariable apply(GptGraph graph, String prefix, SDVariable x) {
        String ln1 = prefix + "ln1.";
        String ln2 = prefix + "ln2.";
        String attn = prefix + "attn.";
        String mlp = prefix + "mlp.";
        if (graph.config().norm() == GptConfig.Norm.POST) {
            x = layerNorm(graph, ln1, x.add(CausalSelfAttention.apply(graph, attn, x)));
            return layerNorm(graph, ln2, x.add(Mlp.apply(graph, mlp, x)));
        }
        x = x.add(CausalSelfAttention.apply(graph, attn, layerNorm(graph, ln1, x)));
        return x.add(Mlp.apply(graph, mlp, layerNorm(graph, ln2, x)));
    }

    static void declareLayerNorm(FlatParameters.Builder parameters, String prefix,
            GptConfig config) {
        parameters.add(prefix + "gain", Init.ONES, config.nEmbd())
                .add(prefix + "bias", Init.ZEROS, config.nEmbd());
    }

    /**
     * LayerNorm over the channels of {@code x}, {@code [B*T, C]}: standardised rows times the
     * gain plus the bias. SameDiff's fused {@code layer_norm} costs half as much again, almost
     * all of it in the gain's gradient; from means and elementwise ops it is slower still.
     */
    static SDVariable layerNorm(GptGraph graph, String prefix, SDVariable x) {
        SameDiff sd = graph.sameDiff();
        long c = graph.config().nEmbd();
        SDVariable xhat = sd.math.standardize(x, 1);                                 // [B*T, C]
        SDVariable gain = graph.ones()
                .mmul(sd.reshape(graph.param(prefix + "gain"), 1, c));                // [B*T, C]
        return xhat.mul(gain).add(graph.param(prefix + "bias"));                     // [B*T, C]
    }
}
