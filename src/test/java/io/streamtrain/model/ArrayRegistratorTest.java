package io.streamtrain.model;

import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unit: every kind of ND4J array comes back from Spark's Kryo with this registrator as it went in (shape, data type and
 * every value), views, Fortran order and empty arrays included, and floats travel as a block of their bytes.
 */
class ArrayRegistratorTest {

    private static final ClassTag<INDArray> ARRAY = ClassTag$.MODULE$.apply(INDArray.class);

    private static SerializerInstance kryo(String registrator) {
        return new KryoSerializer(new SparkConf().set("spark.kryo.registrator", registrator)).newInstance();
    }

    @Test
    void everyKindOfArrayComesBackAsItWent() {
        INDArray matrix = Nd4j.rand(DataType.FLOAT, 5, 7);
        List<INDArray> arrays = List.of(
                Nd4j.rand(DataType.FLOAT, 1, 1000),
                matrix,
                matrix.get(NDArrayIndex.interval(1, 4), NDArrayIndex.interval(2, 6)),
                matrix.transpose(),
                matrix.dup('f'),
                Nd4j.rand(DataType.DOUBLE, 3, 2, 4),
                Nd4j.scalar(2.5f),
                Nd4j.createFromArray(1, 2, 3),
                Nd4j.createFromArray(true, false),
                Nd4j.empty(DataType.FLOAT),
                Nd4j.create(DataType.FLOAT, 0, 3));
        SerializerInstance kryo = kryo(ArrayRegistrator.class.getName());
        for (INDArray original : arrays) {
            INDArray back = kryo.deserialize(kryo.serialize(original, ARRAY), ARRAY);
            assertThat(back.dataType()).as("%s", original).isEqualTo(original.dataType());
            assertThat(back.shape()).as("%s", original).isEqualTo(original.shape());
            assertThat(values(back)).as("%s", original).isEqualTo(values(original));
        }
    }

    @Test
    void sparksKryoWritesNd4jArraysWithTheBulkSerializerAsOneBlockOfBytes() {
        KryoSerializer serializer = new KryoSerializer(new SparkConf()
                .set("spark.kryo.registrator", ArrayRegistrator.class.getName()));
        assertThat(serializer.newKryo().getSerializer(Nd4j.getBackend().getNDArrayClass()))
                .isInstanceOf(ArrayRegistrator.BulkArraySerializer.class);
        INDArray params = Nd4j.rand(DataType.FLOAT, 1, 100_000);
        int bulk = kryo(ArrayRegistrator.class.getName()).serialize(params, ARRAY).remaining();
        assertThat(bulk).isBetween(400_000, 400_100);
        // Both formats read back the same values: the bulk one is not a lossy shortcut.
        INDArray viaNd4j = kryo("org.nd4j.kryo.Nd4jRegistrator").deserialize(
                kryo("org.nd4j.kryo.Nd4jRegistrator").serialize(params, ARRAY), ARRAY);
        assertThat(values(viaNd4j)).isEqualTo(values(params));
    }

    /** Every value, exactly, in C order. */
    private static double[] values(INDArray a) {
        return a.isEmpty() ? new double[0] : a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }
}
