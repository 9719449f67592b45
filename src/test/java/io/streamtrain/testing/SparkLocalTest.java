package io.streamtrain.testing;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import org.apache.spark.SparkConf;

/**
 * Base of the Spark local tests: spark-testing-base's shared session, set up like Deequ's SparkContextSpec
 * (local, UI off, two shuffle partitions, loopback only) plus the Kryo registrator DL4J needs.
 */
public abstract class SparkLocalTest extends JavaDataFrameSuiteBase {

    @Override
    public SparkConf conf() {
        return super.conf()
                .setMaster("local[2]")
                .set("spark.ui.enabled", "false")
                .set("spark.sql.shuffle.partitions", "2")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", "io.streamtrain.model.ArrayRegistrator");
    }
}
