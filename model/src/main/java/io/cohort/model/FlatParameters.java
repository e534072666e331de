package io.cohort.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.GaussianDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A model's trainable tensors packed into one flat parameter buffer and one flat gradient buffer
 * of the same layout. Every tensor is a view into the flat buffers, so the graph, the optimizer
 * and the all-reduce all touch the same memory.
 */
final class FlatParameters implements AutoCloseable {

    /** How a tensor starts out. */
    enum Init {
        /** Normal with mean 0 and standard deviation 0.02 (weights, embeddings). */
        NORMAL,
        /** All zeros (biases). */
        ZEROS,
        /** All ones (LayerNorm gains). */
        ONES
    }

    private static final double INIT_STD = 0.02;

    private final List<ParameterSpec> layout;
    private final INDArray parameters;
    private final INDArray gradients;
    private final Map<String, INDArray> parameterViews = new LinkedHashMap<>();
    private final Map<String, INDArray> gradientViews = new LinkedHashMap<>();

    private FlatParameters(List<ParameterSpec> layout, DataType dataType) {
        this.layout = List.copyOf(layout);
        long total = 0;
        for (ParameterSpec spec : layout) {
            total += spec.length();
        }
        this.parameters = Nd4j.create(dataType, total);
        this.gradients = Nd4j.create(dataType, total);
        for (ParameterSpec spec : layout) {
            parameterViews.put(spec.name(), view(parameters, spec));
            gradientViews.put(spec.name(), view(gradients, spec));
        }
    }

    /** Starts an empty layout; tensors are appended in the order they are declared. */
    static Builder builder() {
        return new Builder();
    }

    List<ParameterSpec> layout() {
        return layout;
    }

    INDArray parameters() {
        return parameters;
    }

    INDArray gradients() {
        return gradients;
    }

    /** The parameter tensor {@code name}, a view into {@link #parameters()}. */
    INDArray parameter(String name) {
        return require(parameterViews, name);
    }

    /** The gradient tensor {@code name}, a view into {@link #gradients()}. */
    INDArray gradient(String name) {
        return require(gradientViews, name);
    }

    List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(parameterViews.keySet()));
    }

    @Override
    public void close() {
        parameters.close();
        gradients.close();
    }

    private static INDArray view(INDArray flat, ParameterSpec spec) {
        long end = spec.offset() + spec.length();
        INDArray slice = flat.get(NDArrayIndex.interval(spec.offset(), end));
        INDArray shaped = slice.reshape('c', spec.shape());
        if (shaped.data().pointer().address() != slice.data().pointer().address()
                || shaped.offset() != slice.offset()) {
            throw new IllegalStateException("tensor " + spec.name() + " is not a view");
        }
        return shaped;
    }

    private static INDArray require(Map<String, INDArray> views, String name) {
        INDArray view = views.get(name);
        if (view == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return view;
    }

    /** Collects tensor declarations, then allocates and initialises the flat buffers. */
    static final class Builder {

        private final List<ParameterSpec> specs = new ArrayList<>();
        private final List<Init> inits = new ArrayList<>();
        private long offset;

        /** Appends a tensor; its name must be new. */
        Builder add(String name, Init init, long... shape) {
            for (ParameterSpec spec : specs) {
                if (spec.name().equals(name)) {
                    throw new IllegalArgumentException("duplicate parameter '" + name + "'");
                }
            }
            ParameterSpec spec = new ParameterSpec(name, shape, offset);
            specs.add(spec);
            inits.add(init);
            offset += spec.length();
            return this;
        }

        /** Allocates the buffers and draws the initial values from {@code seed}. */
        FlatParameters build(DataType dataType, long seed) {
            FlatParameters flat = new FlatParameters(specs, dataType);
            try (Random random = Nd4j.getRandomFactory().getNewRandomInstance(seed)) {
                for (int i = 0; i < specs.size(); i++) {
                    initialise(flat.parameter(specs.get(i).name()), inits.get(i), random);
                }
            } catch (Exception e) {
                throw new IllegalStateException("could not initialise parameters", e);
            }
            return flat;
        }

        private static void initialise(INDArray tensor, Init init, Random random) {
            switch (init) {
                case NORMAL -> Nd4j.getExecutioner()
                        .exec(new GaussianDistribution(tensor, 0.0, INIT_STD), random);
                case ZEROS -> tensor.assign(0.0);
                case ONES -> tensor.assign(1.0);
                default -> throw new IllegalStateException("unknown init " + init);
            }
        }
    }
}
