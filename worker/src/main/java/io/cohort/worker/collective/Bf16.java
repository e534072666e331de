package io.cohort.worker.collective;

/**
 * Conversions between fp32 and bfloat16, the upper 16 bits of an fp32.
 */
final class Bf16 {
    private static final int QUIET_NAN_BIT = 0x0040;

    private Bf16() {
    }

    /**
     * Rounds an fp32 to the nearest bfloat16, ties to even.
     *
     * @param value the fp32 value.
     * @return the bfloat16 bits in the low 16 bits.
     */
    static short fromFloat(final float value) {
        final int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            // NaN: keep it a NaN even when only low mantissa bits are set.
            return (short) ((bits >>> 16) | QUIET_NAN_BIT);
        }
        final int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lsb) >>> 16);
    }

    /**
     * Widens a bfloat16 to the fp32 of the same value.
     *
     * @param bits the bfloat16 bits.
     * @return the value.
     */
    static float toFloat(final short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /**
     * Rounds an fp32 to the nearest value a bfloat16 can hold.
     *
     * @param value the fp32 value.
     * @return the rounded value, as an fp32.
     */
    static float round(final float value) {
        return toFloat(fromFloat(value));
    }
}
