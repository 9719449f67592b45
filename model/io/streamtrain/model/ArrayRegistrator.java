package io.streamtrain.model;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.nd4j.kryo.Nd4jRegistrator;
import org.nd4j.kryo.Nd4jSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * ND4J's Kryo registrations ({@code spark.kryo.registrator}), with float and double arrays copied as one block of
 * bytes.
 *
 * <p>ND4J's own serializer writes and reads an array one element at a time through a {@code DataOutputStream}.
 * Parameter averaging ships the parameters and the updater state (about 2.8 MB for the default MLP) from every worker
 * to the driver and back every round, and in a profile of {@code bench train} that element loop was the largest cost
 * between two rounds (docs/benchmarks.md). Other data types still go through ND4J's serializer; empty arrays, which
 * it cannot write, go as their type and shape.
 * DL4J's check of the Kryo setup round-trips an array through this registrator before training starts.
 */
public final class ArrayRegistrator extends Nd4jRegistrator {

    @Override
    public void registerClasses(Kryo kryo) {
        super.registerClasses(kryo);
        kryo.register(Nd4j.getBackend().getNDArrayClass(), new BulkArraySerializer());
    }

    /** Float and double arrays as shape and little-endian bytes; anything else as ND4J writes it. */
    static final class BulkArraySerializer extends Serializer<INDArray> {

        private static final byte ND4J = 0;
        private static final byte FLOAT = 1;
        private static final byte DOUBLE = 2;
        private static final byte EMPTY = 3;

        private final Nd4jSerializer nd4j = new Nd4jSerializer();

        @Override
        public void write(Kryo kryo, Output output, INDArray array) {
            DataType type = array.dataType();
            if (array.isEmpty()) {
                // ND4J's own serializer fails on these (they have no buffer).
                output.writeByte(EMPTY);
                output.writeString(type.name());
                writeShape(output, array.shape());
                return;
            }
            if (type != DataType.FLOAT && type != DataType.DOUBLE) {
                output.writeByte(ND4J);
                nd4j.write(kryo, output, array);
                return;
            }
            output.writeByte(type == DataType.FLOAT ? FLOAT : DOUBLE);
            writeShape(output, array.shape());
            // A fresh C-order copy: its buffer holds exactly its elements, whatever view or order it came from.
            INDArray c = array.dup('c');
            int n = Math.toIntExact(c.length());
            byte[] bytes = new byte[n * type.width()];
            ByteBuffer out = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            if (type == DataType.FLOAT) {
                out.asFloatBuffer().put(c.data().asNioFloat().limit(n));
            } else {
                out.asDoubleBuffer().put(c.data().asNioDouble().limit(n));
            }
            output.writeInt(bytes.length);
            output.writeBytes(bytes);
        }

        @Override
        public INDArray read(Kryo kryo, Input input, Class<INDArray> type) {
            byte kind = input.readByte();
            if (kind == ND4J) {
                return nd4j.read(kryo, input, type);
            }
            if (kind == EMPTY) {
                DataType empty = DataType.valueOf(input.readString());
                long[] shape = readShape(input);
                return shape.length == 0 ? Nd4j.empty(empty) : Nd4j.create(empty, shape);
            }
            long[] shape = readShape(input);
            ByteBuffer in = ByteBuffer.wrap(input.readBytes(input.readInt())).order(ByteOrder.LITTLE_ENDIAN);
            if (kind == FLOAT) {
                float[] values = new float[in.remaining() / Float.BYTES];
                in.asFloatBuffer().get(values);
                return shape.length == 0 ? Nd4j.scalar(values[0]) : Nd4j.create(values, shape, 'c');
            }
            double[] values = new double[in.remaining() / Double.BYTES];
            in.asDoubleBuffer().get(values);
            return shape.length == 0 ? Nd4j.scalar(values[0]) : Nd4j.create(values, shape, 'c');
        }

        private static void writeShape(Output output, long[] shape) {
            output.writeInt(shape.length);
            for (long s : shape) {
                output.writeLong(s);
            }
        }

        private static long[] readShape(Input input) {
            long[] shape = new long[input.readInt()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = input.readLong();
            }
            return shape;
        }
    }
}
