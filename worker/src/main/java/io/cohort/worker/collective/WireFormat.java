package io.cohort.worker.collective;

/**
 * How gradient values travel between ranks. Sums always accumulate in fp32.
 */
public enum WireFormat {
    /** IEEE 754 single precision, four bytes a value; exact. */
    FP32(Float.BYTES),

    /** bfloat16 (the upper half of an fp32), two bytes a value; rounded to nearest even. */
    BF16(2);

    private final int bytesPerValue;

    WireFormat(final int bytesPerValue) {
        this.bytesPerValue = bytesPerValue;
    }

    /**
     * Bytes one value takes on the wire.
     *
     * @return 4 for fp32, 2 for bf16.
     */
    public int bytesPerValue() {
        return bytesPerValue;
    }

    /**
     * Parses a setting value such as {@code fp32} or {@code bf16}.
     *
     * @param name the value, case-insensitive.
     * @return the format.
     * @throws IllegalArgumentException naming the allowed values when {@code name} is none.
     */
    public static WireFormat parse(final String name) {
        for (final WireFormat format : values()) {
            if (format.name().equalsIgnoreCase(name)) {
                return format;
            }
        }
        throw new IllegalArgumentException(
            "wire format '" + name + "' is not one of fp32, bf16");
    }
}
