package io.streamtrain.train;

import io.streamtrain.model.Minibatches;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import scala.reflect.ClassTag$;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unit: a cached minibatch survives Spark's Kryo (what a spilled or remotely read cache block goes through) and turns
 * back into the same DataSet, sequences included.
 */
class CachedMinibatchTest {

    @Test
    void survivesSparksKryoAndRebuildsTheSameDataSet() {
        DataSet flat = new DataSet(Nd4j.rand(DataType.FLOAT, 4, 6), Nd4j.eye(4).castTo(DataType.FLOAT));
        DataSet sequence = new DataSet(Minibatches.shape(Nd4j.rand(DataType.FLOAT, 4, 6), 3),
                Nd4j.eye(4).castTo(DataType.FLOAT));
        SerializerInstance kryo = new KryoSerializer(new SparkConf()
                .set("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator")).newInstance();
        for (DataSet original : new DataSet[]{flat, sequence}) {
            var tag = ClassTag$.MODULE$.<CachedMinibatch>apply(CachedMinibatch.class);
            CachedMinibatch back = kryo.deserialize(kryo.serialize(CachedMinibatch.of(original), tag), tag);
            DataSet rebuilt = back.toDataSet();
            assertThat(back.examples()).isEqualTo(4);
            assertThat(rebuilt.getFeatures()).isEqualTo(original.getFeatures());
            assertThat(rebuilt.getLabels()).isEqualTo(original.getLabels());
        }
    }
}
