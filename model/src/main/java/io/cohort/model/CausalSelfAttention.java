package io.cohort.model;

import io.cohort.model.FlatParameters.Init;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Multi-head causal self-attention: queries, keys and values from one fused projection, scaled
 * dot products under a causal mask, softmax, dropout on the weights, and an output projection
 * followed by dropout.
 *
 * <p>Parameters under {@code prefix}: {@code qkv.weight [C, 3C]} (columns: all queries, all keys,
 * all values; within each, head after head), {@code proj.weight [C, C]}, {@code proj.bias [C]}.
 */
final class CausalSelfAttention {

    private CausalSelfAttention() {
    }

    static void declare(FlatParameters.Builder parameters, String prefix, GptConfig config) {
        long c = config.nEmbd();
        parameters.add(prefix + "qkv.weight", Init.NORMAL, c, 3 * c)
                .add(prefix + "proj.weight", Init.NORMAL, c, c)
                .add(prefix + "proj.bias", Init.ZEROS, c);
    }

    /** Attends over {@code x}, {@code [B*T, C]}, and returns the projected result, same shape. */
    static SDVariable apply(GptGraph graph, String prefix, SDVariable x) {
        SameDiff sd = graph.sameDiff();
        long t = graph.sequenceLength();
        long c = graph.config().nEmbd();
        long nh = graph.config().nHead();
        long hs = graph.config().headSize();

        SDVariable qkv = x.mmul(graph.param(prefix + "qkv.weight"));          // [B*T, 3C]
        SDVariable heads = sd.permute(sd.reshape(qkv, -1, t, 3, nh, hs),
                2, 0, 3, 1, 4);                                                 // [3, B, nh, T, hs]
        SDVariable[] qkvHeads = sd.unstack(heads, 0, 3);                  // 3 x [B, nh, T, hs]
        SDVariable q = qkvHeads[0];
        SDVariable k = qkvHeads[1];
        SDVariable v = qkvHeads[2];

        SDVariable att = sd.mmul(q, k, false, true, false)
                .mul(1.0 / Math.sqrt(hs))
                .add(graph.causalMask());                                       // [B, nh, T, T]
        att = sd.nn.softmax(att, 3);
        att = graph.dropout(att, 1, nh, t, t);

        SDVariable y = sd.mmul(att, v);                                         // [B, nh, T, hs]
        y = sd.reshape(sd.permute(y, 0, 2, 1, 3), -1, c);                       // [B*T, C]
        y = sd.nn.linear(y, graph.param(prefix + "proj.weight"),
                graph.param(prefix + "proj.bias"));                             // [B*T, C]
        return graph.dropout(y, t, c);
    }
}
