package io.cohort.model;

import java.util.Arrays;

/**
 * One named tensor inside a model's flat parameter buffer: its shape and where it starts.
 *
 * @param name   the tensor's name, for example {@code h.0.attn.qkv.weight}
 * @param shape  the tensor's shape, row-major
 * @param offset index of the tensor's first element in the flat buffer
 */
public record ParameterSpec(String name, long[] shape, long offset) {

    public ParameterSpec {
        shape = shape.clone();
    }

    /** Number of scalars in this tensor. */
    public long length() {
        long length = 1;
        for (long dim : shape) {
            length *= dim;
        }
        return length;
    }

    /** The tensor's shape (a copy). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ParameterSpec spec && name.equals(spec.name)
                && Arrays.equals(shape, spec.shape) && offset == spec.offset;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + Arrays.hashCode(shape)) + Long.hashCode(offset);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + "@" + offset;
    }
}
