package io.streamtrain.train;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.scoring.ScoreFlatMapFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

/**
 * Run in a child JVM by {@link Dl4jBroadcastEvictionCrashTest}: dl4j-spark's scoring function, given the parameter
 * {@code INDArray} as a broadcast the way {@code SparkDl4jMultiLayer.calculateScore} gives it, after Spark has evicted
 * that broadcast from a small storage memory. Prints what it sees; the JVM is expected to die in the second job.
 */
public final class Dl4jScoreAfterEviction {

    private Dl4jScoreAfterEviction() {
    }

    public static void main(String[] args) {
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("dl4j-score-after-eviction")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator")
                .set("spark.testing.memory", String.valueOf(128L << 20))
                .set("spark.testing.reservedMemory", "0")
                .set("spark.memory.fraction", "0.1");
        JavaSparkContext sc = new JavaSparkContext(conf);
        try {
            List<CachedMinibatch> minibatches = DistributedScorerSparkTest.minibatches(800, 5);
            // 20 MB in 4 partitions of 5 MB: two fit in the 12.8 MB of storage memory.
            JavaRDD<CachedMinibatch> data = sc.parallelize(minibatches, 4).persist(StorageLevel.MEMORY_AND_DISK());
            System.out.println("cached " + data.count());
            MultiLayerNetwork network = Models.network(DistributedScorerSparkTest.settings(5, 1), 200, 3);
            String json = network.getLayerWiseConfigurations().toJson();
            // What calculateScore broadcasts: the network's own parameter array.
            INDArray params = network.params();
            Broadcast<INDArray> broadcast = sc.broadcast(params);
            JavaRDD<DataSet> small = sc.parallelize(minibatches.subList(0, 8), 2).map(CachedMinibatch::toDataSet);
            System.out.println("first score job " + small.mapPartitions(new ScoreFlatMapFunction(json, broadcast, 64))
                    .collect().size() + " results, closed=" + params.wasClosed());
            // Reading the cached blocks makes the broadcast the least recently used block ...
            data.count();
            // ... so caching another RDD evicts it first: MemoryStore.remove closes the INDArray.
            JavaRDD<CachedMinibatch> other = sc.parallelize(minibatches.subList(0, 200), 1)
                    .persist(StorageLevel.MEMORY_ONLY());
            other.count();
            System.out.println("after eviction closed=" + params.wasClosed());
            System.out.flush();
            // Tasks get the closed array from Spark's broadcast value cache and copy it: SIGSEGV.
            System.out.println("second score job " + small.mapPartitions(new ScoreFlatMapFunction(json, broadcast, 64))
                    .collect().size() + " results");
        } finally {
            sc.stop();
        }
    }
}
