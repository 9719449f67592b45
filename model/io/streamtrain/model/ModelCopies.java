package io.streamtrain.model;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Compressed copies of a trained network for serving: half precision, 8-bit weights, or magnitude-pruned weights.
 * A copy is one file, {@link #FILE}: a deflated zip of the network's {@code configuration.json} (DL4J's own JSON, as
 * in {@code model.zip}) and {@code params.bin}, every parameter tensor of {@link MultiLayerNetwork#paramTable()} in
 * an encoding of its own. No updater state: a copy is for inference, not for further training. {@link #read} builds
 * an ordinary float32 {@link MultiLayerNetwork} with the dequantised parameters, so scoring code needs no change.
 *
 * <p>Which tensors are compressed: the <em>weights</em>, tensors with at least two dimensions longer than 1 (dense
 * and convolution kernels, recurrent and attention matrices). Biases and normalisation statistics ({@code [1, n]}
 * row vectors, a few hundred numbers) stay float32 in the int8 and pruned copies; the fp16 copy halves all of them.
 * Works for any {@link MultiLayerNetwork}, whatever its layers.
 */
public final class ModelCopies {

    /** The copy's model file inside {@code models/<run>/compressed/<copy>/}. */
    public static final String FILE = "weights.zip";
    /** The zip entry with DL4J's JSON configuration; the same name as in DL4J's own model zip. */
    public static final String CONFIGURATION = "configuration.json";
    static final String PARAMS = "params.bin";
    private static final int FORMAT = 1;

    /** The kinds of copy, named as on the command line ({@code --model RUN:int8}). */
    public enum Kind {
        /** Every parameter as an IEEE 754 half-precision float. */
        FP16,
        /** Weights as signed 8-bit integers times a float32 scale per tensor or per output channel. */
        INT8,
        /** The smallest-magnitude weights of each tensor set to zero, the rest float32, stored sparse. */
        PRUNED;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The kind named {@code id}, or null. */
        public static Kind parse(String id) {
            for (Kind k : values()) {
                if (k.id().equals(id)) {
                    return k;
                }
            }
            return null;
        }
    }

    /** Scales of the int8 copy: one per weight tensor, or one per output channel of each. */
    public enum Granularity {
        PER_LAYER, PER_CHANNEL;

        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * How to build a copy.
     *
     * @param kind        the encoding
     * @param granularity int8 only: where the scales apply
     * @param sparsity    pruned only: the share of each weight tensor set to zero, in [0, 1)
     */
    public record Spec(Kind kind, Granularity granularity, double sparsity) {
        public Spec {
            if (sparsity < 0 || sparsity >= 1) {
                throw new IllegalArgumentException("sparsity must be in [0, 1), got " + sparsity);
            }
        }

        /** One line for tables and reports. */
        public String describe() {
            return switch (kind) {
                case FP16 -> "every parameter as float16";
                case INT8 -> "weights int8 with a float32 scale " + (granularity == Granularity.PER_CHANNEL
                        ? "per output channel" : "per tensor") + " (symmetric, round to nearest); biases and"
                        + " normalisation float32";
                case PRUNED -> String.format(Locale.ROOT, "%.0f%% of each weight tensor's smallest |w| zeroed,"
                        + " kept weights float32 with a 1-bit mask; biases and normalisation float32", 100 * sparsity);
            };
        }
    }

    // Encodings of one tensor in params.bin.
    private static final byte F32 = 0;
    private static final byte F16 = 1;
    private static final byte I8 = 2;
    private static final byte SPARSE_F32 = 3;

    private ModelCopies() {
    }

    /** Whether a parameter of this shape is a weight tensor (compressed) rather than a bias or statistic. */
    public static boolean isWeight(long[] shape) {
        int longDims = 0;
        for (long d : shape) {
            if (d > 1) {
                longDims++;
            }
        }
        return longDims >= 2;
    }

    /** The copy of {@code network} as the bytes of {@link #FILE}. */
    public static byte[] write(MultiLayerNetwork network, Spec spec) {
        ByteArrayOutputStream params = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(params)) {
            Map<String, INDArray> table = network.paramTable();
            out.writeInt(FORMAT);
            out.writeInt(table.size());
            for (Map.Entry<String, INDArray> e : table.entrySet()) {
                long[] shape = e.getValue().shape();
                float[] values = e.getValue().dup('c').castTo(DataType.FLOAT).data().asFloat();
                out.writeUTF(e.getKey());
                out.writeInt(shape.length);
                for (long d : shape) {
                    out.writeLong(d);
                }
                boolean weight = isWeight(shape);
                switch (spec.kind()) {
                    case FP16 -> writeHalf(out, values);
                    case INT8 -> {
                        if (weight) {
                            writeInt8(out, Int8.quantise(values, shape, spec.granularity()));
                        } else {
                            writeFloats(out, values);
                        }
                    }
                    case PRUNED -> {
                        if (weight) {
                            writeSparse(out, prune(values, spec.sparsity()));
                        } else {
                            writeFloats(out, values);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(zipped)) {
            zip.setLevel(9);
            zip.putNextEntry(new ZipEntry(CONFIGURATION));
            zip.write(network.getLayerWiseConfigurations().toJson().getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry(PARAMS));
            zip.write(params.toByteArray());
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return zipped.toByteArray();
    }

    /** The network a copy holds, its parameters dequantised to float32. */
    public static MultiLayerNetwork read(byte[] file) {
        String json = null;
        byte[] params = null;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(file))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (CONFIGURATION.equals(e.getName())) {
                    json = new String(zip.readAllBytes(), StandardCharsets.UTF_8);
                } else if (PARAMS.equals(e.getName())) {
                    params = zip.readAllBytes();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (json == null || params == null) {
            throw new IllegalArgumentException("not a compressed model copy: " + CONFIGURATION + " or " + PARAMS
                    + " is missing");
        }
        MultiLayerNetwork network = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(json));
        network.init();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(params))) {
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IllegalArgumentException("compressed copy format " + format + ", expected " + FORMAT);
            }
            int n = in.readInt();
            for (int t = 0; t < n; t++) {
                String key = in.readUTF();
                long[] shape = new long[in.readInt()];
                int size = 1;
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.readLong();
                    size = Math.multiplyExact(size, (int) shape[d]);
                }
                float[] values = switch (in.readByte()) {
                    case F32 -> readFloats(in, size);
                    case F16 -> readHalf(in, size);
                    case I8 -> readInt8(in, shape, size).dequantise();
                    case SPARSE_F32 -> readSparse(in, size);
                    default -> throw new IllegalArgumentException("unknown encoding of parameter " + key);
                };
                network.setParam(key, Nd4j.create(values, shape, 'c').castTo(network.params().dataType()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return network;
    }

    /**
     * {@code values} with the {@code floor(sparsity * n)} smallest magnitudes set to zero (ties: the earlier index
     * first), as a new array.
     */
    public static float[] prune(float[] values, double sparsity) {
        int drop = (int) Math.floor(sparsity * values.length);
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Float.compare(Math.abs(values[a]), Math.abs(values[b]));
            return c != 0 ? c : Integer.compare(a, b);
        });
        float[] out = values.clone();
        for (int i = 0; i < drop; i++) {
            out[order[i]] = 0f;
        }
        return out;
    }

    /** The share of zeros among the weight tensors' elements of {@code network}. */
    public static double weightSparsity(MultiLayerNetwork network) {
        long zeros = 0;
        long total = 0;
        for (INDArray p : network.paramTable().values()) {
            if (isWeight(p.shape())) {
                total += p.length();
                zeros += p.length() - p.neq(0).castTo(DataType.INT32).sumNumber().longValue();
            }
        }
        return total == 0 ? 0 : (double) zeros / total;
    }

    /**
     * A tensor as int8 values and float32 scales: {@code value = q * scale[channel]}. Symmetric (zero stays exactly
     * zero), 127 levels each side, so the error of each value is at most half its scale, {@code max|w| / 254} of
     * its channel (or tensor).
     *
     * @param axis   the output-channel axis the scales run along, or -1 for one scale
     * @param shape  the tensor's shape
     * @param scales one per channel (or one)
     * @param q      the values in 'c' order
     */
    public record Int8(int axis, long[] shape, float[] scales, byte[] q) {

        /**
         * Quantises a tensor given in 'c' order. Per channel, the channel axis is DL4J's output axis: 0 for a
         * convolution kernel {@code [out, in, kh, kw]}, 1 for a dense or recurrent matrix {@code [in, out]}; other
         * ranks get one scale.
         */
        public static Int8 quantise(float[] values, long[] shape, Granularity granularity) {
            int axis = granularity == Granularity.PER_LAYER ? -1 : shape.length == 4 ? 0 : shape.length == 2 ? 1 : -1;
            int channels = axis < 0 ? 1 : (int) shape[axis];
            float[] max = new float[channels];
            for (int i = 0; i < values.length; i++) {
                int c = channel(i, axis, shape);
                max[c] = Math.max(max[c], Math.abs(values[i]));
            }
            float[] scales = new float[channels];
            for (int c = 0; c < channels; c++) {
                scales[c] = max[c] / 127f;
            }
            byte[] q = new byte[values.length];
            for (int i = 0; i < values.length; i++) {
                float s = scales[channel(i, axis, shape)];
                q[i] = s == 0 ? 0 : (byte) Math.max(-127, Math.min(127, Math.round(values[i] / s)));
            }
            return new Int8(axis, shape, scales, q);
        }

        public float[] dequantise() {
            float[] out = new float[q.length];
            for (int i = 0; i < q.length; i++) {
                out[i] = q[i] * scales[channel(i, axis, shape)];
            }
            return out;
        }

        /** The channel of the element at 'c'-order index {@code i}. */
        static int channel(int i, int axis, long[] shape) {
            if (axis < 0) {
                return 0;
            }
            long inner = 1;
            for (int d = axis + 1; d < shape.length; d++) {
                inner *= shape[d];
            }
            return (int) ((i / inner) % shape[axis]);
        }
    }

    /** IEEE 754 binary16 from float32, round to nearest even (Java 17 has no Float.floatToFloat16). */
    public static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            int m = mant | 0x800000;
            int shift = 14 - e;
            int half = m >> shift;
            int rem = m & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
            half++; // a carry into the exponent is the correct rounding, up to infinity
        }
        return (short) (sign | half);
    }

    /** float32 from IEEE 754 binary16 (exact). */
    public static float fromHalf(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        out.writeByte(F32);
        for (float x : v) {
            out.writeFloat(x);
        }
    }

    private static float[] readFloats(DataInputStream in, int n) throws IOException {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.readFloat();
        }
        return v;
    }

    private static void writeHalf(DataOutputStream out, float[] v) throws IOException {
        out.writeByte(F16);
        for (float x : v) {
            out.writeShort(toHalf(x));
        }
    }

    private static float[] readHalf(DataInputStream in, int n) throws IOException {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = fromHalf(in.readShort());
        }
        return v;
    }

    private static void writeInt8(DataOutputStream out, Int8 t) throws IOException {
        out.writeByte(I8);
        out.writeInt(t.axis());
        out.writeInt(t.scales().length);
        for (float s : t.scales()) {
            out.writeFloat(s);
        }
        out.write(t.q());
    }

    private static Int8 readInt8(DataInputStream in, long[] shape, int n) throws IOException {
        int axis = in.readInt();
        float[] scales = readFloats(in, in.readInt());
        byte[] q = new byte[n];
        in.readFully(q);
        return new Int8(axis, shape, scales, q);
    }

    private static void writeSparse(DataOutputStream out, float[] v) throws IOException {
        out.writeByte(SPARSE_F32);
        byte[] mask = new byte[(v.length + 7) / 8];
        int kept = 0;
        for (int i = 0; i < v.length; i++) {
            if (v[i] != 0f) {
                mask[i >> 3] |= (byte) (1 << (i & 7));
                kept++;
            }
        }
        out.write(mask);
        out.writeInt(kept);
        for (float x : v) {
            if (x != 0f) {
                out.writeFloat(x);
            }
        }
    }

    private static float[] readSparse(DataInputStream in, int n) throws IOException {
        byte[] mask = new byte[(n + 7) / 8];
        in.readFully(mask);
        int kept = in.readInt();
        float[] v = new float[n];
        int read = 0;
        for (int i = 0; i < n; i++) {
            if ((mask[i >> 3] & (1 << (i & 7))) != 0) {
                v[i] = in.readFloat();
                read++;
            }
        }
        if (read != kept) {
            throw new IllegalArgumentException("sparse tensor holds " + read + " values, its header says " + kept);
        }
        return v;
    }
}
